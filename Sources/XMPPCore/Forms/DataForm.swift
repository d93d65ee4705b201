/// A XEP-0004 data form: read from requests, and built for replies (with field types, labels and options).
package struct DataForm: Sendable, Hashable {
    /// One `<field/>`; a field may carry several values.
    package struct Field: Sendable, Hashable {
        package var name: String
        /// The XEP-0004 §3.3 field type; nil when a submitted form leaves it out.
        package var type: String?
        package var label: String?
        package var values: [String]
        /// The `<option/>` values of a list field.
        package var options: [String]

        package init(
            _ name: String,
            type: String? = nil,
            label: String? = nil,
            values: [String],
            options: [String] = []
        ) {
            self.name = name
            self.type = type
            self.label = label
            self.values = values
            self.options = options
        }
    }

    package var type: String
    /// The fields in document order.
    package var fields: [Field]

    package init(type: String, formType: String, fields: [Field]) {
        self.type = type
        self.fields = [Field("FORM_TYPE", type: "hidden", values: [formType])] + fields
    }

    /// Reads a `<x xmlns='jabber:x:data'/>`; nil if `element` is not one.
    package init?(_ element: XMLElement) {
        guard element.name == "x", element.namespace == Namespace.dataForms else { return nil }
        self.type = element[attribute: "type"] ?? "form"
        self.fields = element.elements.compactMap { field in
            guard field.name == "field", field.namespace == Namespace.dataForms, let name = field[attribute: "var"]
            else { return nil }
            let values = field.elements.filter { $0.name == "value" && $0.namespace == Namespace.dataForms }.map(\.text)
            return Field(name, type: field[attribute: "type"], values: values)
        }
    }

    /// The value of the hidden `FORM_TYPE` field (XEP-0068), if any.
    package var formType: String? {
        self.fields.first { $0.name == "FORM_TYPE" }?.values.first
    }

    package var element: XMLElement {
        XMLElement(
            "x",
            namespace: Namespace.dataForms,
            attributes: ["type": self.type] as KeyValuePairs<String, String?>,
            children: self.fields.map { field in
                let options = field.options.map { option in
                    XMLElement(
                        "option",
                        namespace: Namespace.dataForms,
                        attributes: [:],
                        children: [Self.value(option)]
                    )
                }
                return XMLElement(
                    "field",
                    namespace: Namespace.dataForms,
                    attributes: ["var": field.name, "type": field.type, "label": field.label],
                    children: options + field.values.map(Self.value)
                )
            }
        )
    }

    private static func value(_ text: String) -> XMLElement {
        XMLElement("value", namespace: Namespace.dataForms, children: [.text(text)])
    }
}
