package blocks

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/dlclark/regexp2"
)

// pattern is a compiled user regex: Go's RE2 when the pattern is RE2
// syntax (linear time), else a backtracking engine for what Python's re has
// and RE2 lacks (look-around, backreferences: AutoGPT's agents use
// "^(?!\\s*$).+"), bounded by backtrackTimeout.
type pattern interface {
	MatchString(s string) bool
	// FindAllStringSubmatch is regexp's: at most n matches (n < 0: all),
	// each the match and its groups ("" for a group that took no part).
	FindAllStringSubmatch(s string, n int) [][]string
	NumSubexp() int
}

// backtrackTimeout bounds one match of a look-around pattern, so a
// catastrophic one fails its node instead of holding a worker.
const backtrackTimeout = 2 * time.Second

// compilePattern compiles a user regex with Python's re flags.
func compilePattern(expr string, caseSensitive, dotAll bool) (pattern, error) {
	flags := ""
	if !caseSensitive {
		flags += "i"
	}
	if dotAll {
		flags += "s"
	}
	prefixed := expr
	if flags != "" {
		prefixed = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(prefixed)
	if err == nil {
		return re, nil
	}
	var opts regexp2.RegexOptions
	if !caseSensitive {
		opts |= regexp2.IgnoreCase
	}
	if dotAll {
		opts |= regexp2.Singleline
	}
	bt, err2 := regexp2.Compile(expr, opts)
	if err2 != nil {
		return nil, fmt.Errorf("invalid pattern: %w", err)
	}
	bt.MatchTimeout = backtrackTimeout
	return &backtracking{re: bt}, nil
}

// backtracking adapts a regexp2 pattern. The interface returns no error,
// so a match that fails (its timeout) is kept in err and read by
// patternErr after matching.
type backtracking struct {
	re  *regexp2.Regexp
	err error
}

func (b *backtracking) MatchString(s string) bool {
	ok, err := b.re.MatchString(s)
	b.keep(err)
	return ok
}

func (b *backtracking) keep(err error) {
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("pattern gave up after %s: %w", backtrackTimeout, err)
	}
}

// patternErr is the error a match of p met, if any (only a backtracking
// pattern can meet one).
func patternErr(p pattern) error {
	if b, ok := p.(*backtracking); ok {
		return b.err
	}
	return nil
}

func (b *backtracking) NumSubexp() int { return len(b.re.GetGroupNumbers()) - 1 }

func (b *backtracking) FindAllStringSubmatch(s string, n int) [][]string {
	var out [][]string
	m, err := b.re.FindStringMatch(s)
	b.keep(err)
	for m != nil && (n < 0 || len(out) < n) {
		groups := m.Groups()
		row := make([]string, len(groups))
		for i, g := range groups {
			row[i] = g.String()
		}
		out = append(out, row)
		m, err = b.re.FindNextMatch(m)
		b.keep(err)
	}
	return out
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
		matched := re.MatchString(jsonText(in.Text))
		if err := patternErr(re); err != nil {
			return err
		}
		if matched {
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
			if err := patternErr(re); err != nil {
				return err
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
