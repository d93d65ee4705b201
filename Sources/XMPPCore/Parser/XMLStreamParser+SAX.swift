import CLibXML2

/// The libxml2 SAX2 callbacks. Each only converts C data to Swift and calls the parser.
extension XMLStreamParser {
    fileprivate static func from(_ context: UnsafeMutableRawPointer?) -> XMLStreamParser {
        Unmanaged<XMLStreamParser>.fromOpaque(context!).takeUnretainedValue()
    }

    static func makeSAXHandler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        // SAX2 magic makes libxml2 use the namespace-aware callbacks and `serror`.
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        handler.startElementNs = { context, localName, _, uri, _, _, attributeCount, _, attributes in
            let parser = XMLStreamParser.from(context)
            var element = XMLElement(
                String(cString: localName!),
                namespace: uri.map { AttributeValueDecoder.decode(String(cString: $0)) } ?? ""
            )
            element.attributes.reserveCapacity(Int(attributeCount))
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            for index in 0..<Int(attributeCount) {
                let base = index * 5
                guard let name = attributes?[base], let start = attributes?[base + 3],
                    let end = attributes?[base + 4]
                else { continue }
                let raw = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                element.attributes.append(
                    XMLAttribute(
                        String(cString: name),
                        namespace: attributes?[base + 2].map { AttributeValueDecoder.decode(String(cString: $0)) }
                            ?? "",
                        value: AttributeValueDecoder.decode(raw)
                    )
                )
            }
            parser.elementStarted(element)
        }
        handler.endElementNs = { context, _, _, _ in
            XMLStreamParser.from(context).elementEnded()
        }
        handler.characters = { context, characters, length in
            let text = String(decoding: UnsafeBufferPointer(start: characters, count: Int(length)), as: UTF8.self)
            XMLStreamParser.from(context).charactersReceived(text)
        }
        handler.cdataBlock = handler.characters
        handler.comment = { context, _ in
            XMLStreamParser.from(context).restrictedXMLFound("a comment")
        }
        handler.processingInstruction = { context, _, _ in
            XMLStreamParser.from(context).restrictedXMLFound("a processing instruction")
        }
        handler.internalSubset = { context, _, _, _ in
            XMLStreamParser.from(context).restrictedXMLFound("a document type declaration")
        }
        handler.externalSubset = { context, _, _, _ in
            XMLStreamParser.from(context).restrictedXMLFound("an external DTD subset")
        }
        handler.entityDecl = { context, _, _, _, _, _ in
            XMLStreamParser.from(context).restrictedXMLFound("an entity declaration")
        }
        handler.reference = { context, _ in
            XMLStreamParser.from(context).restrictedXMLFound("an entity reference other than the predefined ones")
        }
        handler.serror = { context, error in
            guard let error = error?.pointee, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            let message = error.message.map { String(cString: $0) } ?? "malformed XML"
            XMLStreamParser.from(context).libxmlErrorReported(
                code: error.code,
                message: message.trimmingSuffix { $0.isNewline }
            )
        }
        return handler
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var result = self
        while let last = result.last, predicate(last) { result.removeLast() }
        return result
    }
}
