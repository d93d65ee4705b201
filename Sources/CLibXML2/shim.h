#ifndef HERALD_CLIBXML2_SHIM_H
#define HERALD_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU; its headers then pull in ICU's unicode/*.h, which clash with
// Foundation's _FoundationICU in any module that sees both. XMPP is UTF-8 only, so Herald never
// needs libxml2's ICU encodings: drop the flag before the other headers read it.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#endif
