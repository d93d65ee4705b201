import FoundationEssentials
import XMPPCore

/// The `pubsub#subscribe_options` form (XEP-0060 §6.3, §16.4.2).
extension SubscriptionOptions {
    static let formType = Namespace.pubsub + "#subscribe_options"

    /// XEP-0060 §6.3.5: a form Herald cannot apply as a whole.
    static func invalidOptions(_ text: String) -> StanzaError {
        StanzaError(
            .modify,
            .badRequest,
            applicationCondition: PubSubErrors.pubsubCondition("invalid-options"),
            text: text
        )
    }

    /// Reads a submitted form over these options; unknown fields, unsupported values and a lease
    /// that has already ended (at `now`) are refused.
    mutating func apply(_ form: DataForm, now: Date) throws {
        guard form.formType == nil || form.formType == Self.formType else {
            throw Self.invalidOptions("the options form must have FORM_TYPE \(Self.formType)")
        }
        for field in form.fields where field.name != "FORM_TYPE" {
            let invalid = Self.invalidOptions("invalid value for \(field.name)")
            switch field.name {
            case "pubsub#deliver":
                self.deliver = try FormValue.boolean(field, invalid: invalid)
            case "pubsub#digest":
                guard try !FormValue.boolean(field, invalid: invalid) else {
                    throw Self.invalidOptions("digests are not supported")
                }
            case "pubsub#include_body":
                self.includeBody = try FormValue.boolean(field, invalid: invalid)
            case "pubsub#show-values":
                let shows = field.values.map(PresenceShow.init(rawValue:))
                guard !shows.contains(nil) else { throw invalid }
                self.showValues = Set(shows.compactMap { $0 })
            case "pubsub#expire":
                self.expire = try Self.expiry(FormValue.single(field), invalid: invalid)
                guard self.isCurrent(at: now) else { throw Self.invalidOptions("pubsub#expire is in the past") }
            case "pubsub#subscription_type", "pubsub#subscription_depth":
                throw PubSubErrors.unsupported("collections")
            default:
                throw Self.invalidOptions("unsupported subscription option \(field.name)")
            }
        }
    }

    /// `presence`, an XEP-0082 dateTime, or empty for no expiry.
    private static func expiry(_ value: String, invalid: StanzaError) throws -> SubscriptionExpiry? {
        switch value {
        case "": return nil
        case "presence": return .presence
        default:
            guard let date = try? Date(value, strategy: .iso8601) else { throw invalid }
            return .at(date)
        }
    }

    func form(type: String) -> DataForm {
        let expire: [String] =
            switch self.expire {
            case nil: []
            case .presence: ["presence"]
            case .at(let date): [date.formatted(.iso8601)]
            }
        return DataForm(
            type: type,
            formType: Self.formType,
            fields: [
                DataForm.Field(
                    "pubsub#deliver",
                    type: "boolean",
                    label: "Enable delivery?",
                    values: [FormValue.boolean(self.deliver)]
                ),
                DataForm.Field(
                    "pubsub#digest",
                    type: "boolean",
                    label: "Receive digest notifications (approx. one per day)?",
                    values: ["0"]
                ),
                DataForm.Field(
                    "pubsub#include_body",
                    type: "boolean",
                    label: "Receive message body in addition to payload?",
                    values: [FormValue.boolean(self.includeBody)]
                ),
                DataForm.Field(
                    "pubsub#show-values",
                    type: "list-multi",
                    label: "Select the presence types which are allowed to receive event notifications",
                    values: self.showValues.sorted().map(\.rawValue),
                    options: PresenceShow.allCases.map(\.rawValue)
                ),
                DataForm.Field(
                    "pubsub#expire",
                    type: "text-single",
                    label: "Requested lease period: a dateTime, or 'presence' to end with the session",
                    values: expire
                ),
            ]
        )
    }
}
