package blocks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func parsed(t *testing.T, xml string) any {
	t.Helper()
	got := mustRun(t, "XMLParserBlock", map[string]any{"input_xml": xml})
	require.Len(t, got, 1)
	require.Equal(t, "parsed_xml", got[0].Pin)
	return got[0].Value
}

// The shapes of gravitasml (AutoGPT's parser), case by case.
func TestXMLParserShapes(t *testing.T) {
	t.Parallel()
	obj := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	require.Equal(t, obj("tag1", obj("tag2", "content")), parsed(t, "<tag1><tag2>content</tag2></tag1>"))
	require.Equal(t, obj("tag", "content with whitespace"), parsed(t, "<tag>   content with whitespace   </tag>"))
	require.Equal(t, obj("tag", []any{obj("a", "value"), obj("a", "value")}), parsed(t, "<tag><a>value</a><a>value</a></tag>"))
	require.Equal(t, obj("tag", obj("a", "value", "b", "value")), parsed(t, "<tag>\n  <a>\n    value\n  </a>\n  <b>value</b>\n</tag>"))
	// Repeats make a list of one-key dictionaries, in document order, even
	// when other tags are among them.
	require.Equal(t, obj("r", []any{obj("a", "1"), obj("b", "2"), obj("a", "3")}), parsed(t, "<r><a>1</a><b>2</b><a>3</a></r>"))
	require.Equal(t, obj("tag", obj(
		"a", []any{obj("test", "pass"), obj("test", "fail")},
		"b", "value",
		"c", []any{obj("test", obj("name", "Test 1", "result", "pass")),
			obj("test", obj("name", "Test 2", "result", "fail", "feeling", "rough crowd"))},
	)), parsed(t, `
		<tag>
			<a><test>pass</test><test>fail</test></a>
			<b>value</b>
			<c>
				<test><name>Test 1</name><result>pass</result></test>
				<test><name>Test 2</name><result>fail</result><feeling>rough crowd</feeling></test>
			</c>
		</tag>`))
	// Text beside child elements is dropped, as gravitasml drops it.
	require.Equal(t, obj("p", obj("b", "bold")), parsed(t, "<p>before <b>bold</b> after</p>"))
	require.Equal(t, obj("empty", ""), parsed(t, "<empty></empty>"))
}

// What real XML has and gravitasml does not read: handled, in the same shape.
func TestXMLParserRealXML(t *testing.T) {
	t.Parallel()
	require.Equal(t, map[string]any{"answer": map[string]any{"item": "x", "br": ""}},
		parsed(t, `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE answer>
<!-- generated -->
<Answer lang="en"><ITEM id="1">x</ITEM><br/></Answer>`), "declaration, doctype, comments, attributes, self-closing; names lower-cased")
	require.Equal(t, map[string]any{"t": "a < b & c\u00a0d <raw> done"},
		parsed(t, "<t>a &lt; b &amp; c&nbsp;d <![CDATA[<raw>]]> <!-- x -->done</t>"), "entities (HTML ones too), CDATA")
	require.Equal(t, map[string]any{"ns:doc": map[string]any{"ns:v": "1"}},
		parsed(t, `<ns:doc xmlns:ns="urn:x"><ns:v>1</ns:v></ns:doc>`), "prefixes as written")
}

func TestXMLParserRefusals(t *testing.T) {
	t.Parallel()
	for xml, msg := range map[string]string{
		"":                                 "XML input is empty",
		"   \n":                            "XML input is empty",
		"<a>1</a><b>2</b>":                 "single root element",
		"hello <a>1</a>":                   "text outside the root element",
		"<a>1</a> trailing":                "text outside the root element",
		"<tag1>content</tag2>":             "mismatched tags: <tag1> closed by </tag2>",
		"<tag1><tag2></tag1></tag2>":       "mismatched tags: <tag2> closed by </tag1>",
		"<tag>Content with an <incomplete": "error in input xml syntax",
		"<a><b>x</b>":                      "error in input xml syntax",
		"just text":                        "text outside the root element",
		"<!-- only a comment -->":          "must include a root element",
		"<a>&undefined;</a>":               "error in input xml syntax",
		strings.Repeat("<a>", 501) + strings.Repeat("</a>", 501): "nested deeper than 500",
	} {
		got, err := run(t, "XMLParserBlock", map[string]any{"input_xml": xml})
		require.ErrorContains(t, err, msg, "%q", xml)
		require.Empty(t, got)
	}
	big := "<a>" + strings.Repeat("x", xmlMaxSize) + "</a>"
	_, err := run(t, "XMLParserBlock", map[string]any{"input_xml": big})
	require.ErrorContains(t, err, "XML too large")
}
