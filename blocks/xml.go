package blocks

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

const (
	// xmlMaxSize is AutoGPT's bound on the input.
	xmlMaxSize = 10 << 20
	// xmlMaxDepth bounds nesting: the result is JSON stored in Postgres,
	// and a deeper document is no data anyone means to pass on.
	xmlMaxDepth = 500
)

type xmlParserIn struct {
	InputXML string `json:"input_xml" jsonschema_description:"The XML to parse: one root element."`
}

type xmlParserOut struct {
	ParsedXML map[string]any `json:"parsed_xml" jsonschema_description:"The document as a dictionary: {root: value}."`
}

// XMLParserBlock turns an XML document into a dictionary of the shape
// AutoGPT's gravitasml gives, so its agents' lookups find the same keys:
// tag names lower-cased; an element without children is its trimmed text;
// one with children a dictionary by child tag, or, when a tag repeats, a
// list of one-key dictionaries in document order; the text of an element
// with children is dropped. Unlike gravitasml it reads real XML (encoding/xml:
// entities, CDATA, comments, self-closing tags, attributes — ignored, as
// the shape has no place for them — where gravitasml fails on attributes).
func XMLParserBlock() Block {
	return Define[xmlParserIn, xmlParserOut](Info{
		ID:   "286380af-9529-4b55-8be0-1d7c854abdb5",
		Name: "XMLParserBlock",
		Description: "Parses XML with a single root element into a dictionary: leaf elements become their text, " +
			"repeated tags a list; tag names are lower-cased and attributes ignored.",
		Categories: []Category{CategoryData},
		Type:       TypeStandard,
	}, func(_ context.Context, _ *RunContext, in xmlParserIn, emit Emit) error {
		if len(in.InputXML) > xmlMaxSize {
			return fmt.Errorf("XML too large: %d bytes > %d bytes", len(in.InputXML), xmlMaxSize)
		}
		root, err := parseXML(in.InputXML)
		if err != nil {
			return err
		}
		return emit("parsed_xml", map[string]any{root.tag: root.value()})
	})
}

type xmlNode struct {
	tag      string
	text     strings.Builder
	children []*xmlNode
}

// value is the node's part of the dictionary (gravitasml's to_dict).
func (n *xmlNode) value() any {
	if len(n.children) == 0 {
		return strings.TrimSpace(n.text.String())
	}
	seen := make(map[string]any, len(n.children))
	for _, c := range n.children {
		if _, dup := seen[c.tag]; dup {
			list := make([]any, len(n.children))
			for i, c := range n.children {
				list[i] = map[string]any{c.tag: c.value()}
			}
			return list
		}
		seen[c.tag] = nil
	}
	for _, c := range n.children {
		seen[c.tag] = c.value()
	}
	return seen
}

func xmlName(n xml.Name) string {
	if n.Space != "" {
		return strings.ToLower(n.Space + ":" + n.Local)
	}
	return strings.ToLower(n.Local)
}

// parseXML reads one root element. RawToken keeps prefixes as written
// (ns:tag, not the namespace URL), so the stack checks that tags match.
func parseXML(s string) (*xmlNode, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("XML input is empty")
	}
	d := xml.NewDecoder(strings.NewReader(s))
	d.Entity = xml.HTMLEntity // &nbsp; and friends, common in generated text
	var root *xmlNode
	var stack []*xmlNode
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("error in input xml syntax: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, errors.New("XML must have a single root element")
			}
			if len(stack) >= xmlMaxDepth {
				return nil, fmt.Errorf("XML nested deeper than %d elements", xmlMaxDepth)
			}
			n := &xmlNode{tag: xmlName(t.Name)}
			if len(stack) == 0 {
				root = n
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			name := xmlName(t.Name)
			if len(stack) == 0 {
				return nil, fmt.Errorf("error in input xml syntax: unexpected closing tag </%s>", name)
			}
			if open := stack[len(stack)-1].tag; open != name {
				return nil, fmt.Errorf("error in input xml syntax: mismatched tags: <%s> closed by </%s>", open, name)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(t)) != "" {
					return nil, errors.New("XML contains text outside the root element; wrap content in a single root tag")
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("error in input xml syntax: unclosed tag <%s>", stack[len(stack)-1].tag)
	}
	if root == nil {
		return nil, errors.New("XML must include a root element")
	}
	return root, nil
}
