package blocks

import (
	"context"
	"regexp"
	"strconv"
	"strings"
)

// placeholder matches `{{name}}`, `{{ name }}` and dotted paths `{{ a.b.0 }}`.
var placeholder = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// renderTemplate fills `{{name}}` placeholders from values. It is the subset
// of AutoGPT's Jinja2 templates that graphs use in practice: plain and
// dotted names. An unknown name renders as "", as Jinja's undefined does;
// `{% … %}` tags and filters are not supported and are left as text
// (tags) or render as "" (filtered names).
func renderTemplate(format string, values map[string]any) string {
	return renderTemplateEscaped(format, values, nil)
}

// renderTemplateEscaped is renderTemplate with each inserted value passed
// through escape (nil: as is), as Jinja's autoescape does: the template's
// own text is never escaped.
func renderTemplateEscaped(format string, values map[string]any, escape func(string) string) string {
	return placeholder.ReplaceAllStringFunc(format, func(m string) string {
		path := placeholder.FindStringSubmatch(m)[1]
		v, ok := lookupPath(values, path)
		if !ok {
			return ""
		}
		if escape != nil {
			return escape(textOf(v))
		}
		return textOf(v)
	})
}

// lookupPath walks a dotted path through maps and lists; a list segment is
// an index, negative counting from the end.
func lookupPath(root any, path string) (any, bool) {
	cur := root
	if path == "" {
		return cur, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil {
				return nil, false
			}
			if i < 0 {
				i += len(c)
			}
			if i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

type fillTextTemplateIn struct {
	Values map[string]any `json:"values,omitempty" jsonschema_description:"Values used in the template: {{name}} is replaced by values[name]."`
	Format string         `json:"format" jsonschema_description:"Template with {{name}} placeholders (spaces inside the braces allowed; dotted paths like {{a.b}} reach into nested values)."`
}

type fillTextTemplateOut struct {
	Output string `json:"output" jsonschema_description:"The filled-in text."`
}

// FillTextTemplateBlock fills a {{name}} template from a dict of values; the
// dict is typically built from dynamic pins (values_#_name).
func FillTextTemplateBlock() Block {
	return Define[fillTextTemplateIn, fillTextTemplateOut](Info{
		ID:          "db7d8f02-2f44-4c55-ab7a-eae0941f0c30",
		Name:        "FillTextTemplateBlock",
		Description: "Formats text from a template with {{name}} placeholders filled from values.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in fillTextTemplateIn, emit Emit) error {
		return emit("output", renderTemplate(in.Format, in.Values))
	})
}
