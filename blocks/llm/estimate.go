package llm

import "unicode/utf8"

// EstimateTokens is a typical token count of text (about 4 characters a
// token): what the context-window check uses.
func EstimateTokens(s string) int64 {
	return int64(utf8.RuneCountInString(s)+3) / 4
}

// MaxTokens bounds the tokens text can take: byte-level BPE tokenizers
// never make a token of less than one byte, so the byte length is an upper
// bound. Reservations use it, so that a call can never cost more than was
// reserved for it.
func MaxTokens(s string) int64 { return int64(len(s)) }

// perMessage is the framing a provider adds to each message (role markers).
const perMessage = 8

// PromptTokens estimates and bounds the input tokens of a request.
func PromptTokens(req Request) (estimate, bound int64) {
	add := func(s string) {
		estimate += EstimateTokens(s)
		bound += MaxTokens(s)
	}
	add(req.System)
	for _, m := range req.Messages {
		add(m.Content)
		for _, tc := range m.ToolCalls {
			add(tc.Name)
			add(tc.Arguments)
		}
		estimate += perMessage
		bound += perMessage
	}
	for _, t := range req.Tools {
		add(t.Name)
		add(t.Description)
		bound += 4 * perMessage
		estimate += perMessage
		if raw, err := marshal(t.Parameters); err == nil {
			add(string(raw))
		}
	}
	return estimate + perMessage, bound + perMessage
}
