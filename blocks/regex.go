package blocks

import (
	"context"
	"fmt"
	"regexp"
)

// compilePattern compiles a user regex with Python's re flags. Go's RE2
// syntax is close to Python's but has no look-around or backreferences; such
// patterns fail to compile and the node fails with the reason.
func compilePattern(pattern string, caseSensitive, dotAll bool) (*regexp.Regexp, error) {
	flags := ""
	if !caseSensitive {
		flags += "i"
	}
	if dotAll {
		flags += "s"
	}
	if flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid pattern: %w", err)
	}
	return re, nil
}

type matchTextPatternIn struct {
	Text          any    `json:"text" jsonschema:"required" jsonschema_description:"Text to match; a non-string value is matched as JSON."`
	Match         string `json:"match" jsonschema_description:"The regular expression to search for."`
	Data          any    `json:"data,omitempty" jsonschema_description:"Data forwarded to the output; the text when not given."`
	CaseSensitive bool   `json:"case_sensitive" jsonschema:"default=true" jsonschema_description:"Match case-sensitively."`
	DotAll        bool   `json:"dot_all" jsonschema:"default=true" jsonschema_description:"Let . match newlines too."`
}

type matchTextPatternOut struct {
	Positive any `json:"positive" jsonschema_description:"The data, when the pattern is found."`
	Negative any `json:"negative" jsonschema_description:"The data, when it is not."`
}

// MatchTextPatternBlock routes data to positive or negative by whether a
// regex is found in the text. An invalid regex fails the node.
func MatchTextPatternBlock() Block {
	return Define[matchTextPatternIn, matchTextPatternOut](Info{
		ID:          "3060088f-6ed9-4928-9ba7-9c92823a7ccd",
		Name:        "MatchTextPatternBlock",
		Description: "Matches text against a regex pattern and forwards data to positive or negative accordingly.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in matchTextPatternIn, emit Emit) error {
		re, err := compilePattern(in.Match, in.CaseSensitive, in.DotAll)
		if err != nil {
			return err
		}
		data := orDefault(in.Data, in.Text)
		if re.MatchString(jsonText(in.Text)) {
			return emit("positive", data)
		}
		return emit("negative", data)
	})
}

type extractTextInformationIn struct {
	Text          any    `json:"text" jsonschema:"required" jsonschema_description:"Text to search; a non-string value is searched as JSON."`
	Pattern       string `json:"pattern" jsonschema_description:"The regular expression to extract with."`
	Group         int    `json:"group" jsonschema:"default=0,minimum=0" jsonschema_description:"The capture group to extract (0 = the whole match)."`
	CaseSensitive bool   `json:"case_sensitive" jsonschema:"default=true" jsonschema_description:"Match case-sensitively."`
	DotAll        bool   `json:"dot_all" jsonschema:"default=true" jsonschema_description:"Let . match newlines too."`
	FindAll       bool   `json:"find_all" jsonschema:"default=false" jsonschema_description:"Extract every match instead of the first."`
}

type extractTextInformationOut struct {
	Positive       string   `json:"positive" jsonschema_description:"An extracted text; yielded once per match."`
	Negative       any      `json:"negative" jsonschema_description:"The original text, when nothing matched."`
	MatchedResults []string `json:"matched_results" jsonschema_description:"All extracted texts."`
	MatchedCount   int      `json:"matched_count" jsonschema_description:"How many texts were extracted."`
}

// ExtractTextInformationBlock extracts regex matches (or one capture group
// of them) from text, as AutoGPT's does: positive once per match, negative
// with the original text when none, then the list and the count. Matches
// whose pattern has fewer groups than asked for are skipped.
func ExtractTextInformationBlock() Block {
	return Define[extractTextInformationIn, extractTextInformationOut](Info{
		ID:          "3146e4fe-2cdd-4f29-bd12-0c9d5bb4deb0",
		Name:        "ExtractTextInformationBlock",
		Description: "Extracts text matching a regex pattern (or one of its groups) from the given text.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in extractTextInformationIn, emit Emit) error {
		re, err := compilePattern(in.Pattern, in.CaseSensitive, in.DotAll)
		if err != nil {
			return err
		}
		limit := 1
		if in.FindAll {
			limit = -1
		}
		matches := []any{}
		if in.Group <= re.NumSubexp() {
			for _, m := range re.FindAllStringSubmatch(jsonText(in.Text), limit) {
				matches = append(matches, m[in.Group])
			}
		}
		for _, m := range matches {
			if err := emit("positive", m); err != nil {
				return err
			}
		}
		if len(matches) == 0 {
			if err := emit("negative", in.Text); err != nil {
				return err
			}
		}
		if err := emit("matched_results", matches); err != nil {
			return err
		}
		return emit("matched_count", len(matches))
	})
}
