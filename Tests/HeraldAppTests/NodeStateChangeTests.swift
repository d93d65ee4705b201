import Testing

@testable import HeraldApp

@Suite struct NodeStateChangeTests {
    @Test(arguments: [
        ("4F1C-9A node with spaces", "4F1C-9A", "node with spaces"),
        (" by-someone-else", "", "by-someone-else"),
        ("no-writer-at-all", "", "no-writer-at-all"),
    ])
    func theWriterIsUpToTheFirstSpaceAndTheNodeIsTheRest(payload: String, writer: String, node: String) {
        let change = NodeStateChange(payload: payload)
        #expect(change.writer == writer)
        #expect(change.node == node)
    }
}
