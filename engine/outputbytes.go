package engine

import "bytes"

// What a block yields is checked as encoded JSON before it is stored: a
// value Postgres or the run's own documents cannot hold would fail every
// group commit of its run, so the node fails instead (runBlock's emit).

// hasNUL reports whether encoded JSON holds a NUL character (an unescaped
// `\u0000`), which Postgres jsonb cannot store.
func hasNUL(raw []byte) bool {
	for off := 0; ; {
		i := bytes.Index(raw[off:], nulEscape)
		if i < 0 {
			return false
		}
		i += off
		n := 0 // backslashes before this one: an odd count escapes it
		for j := i - 1; j >= 0 && raw[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		off = i + len(nulEscape)
	}
}

var nulEscape = []byte(`\u0000`)

// maxOutputDepth bounds the nesting of one yielded value. It is far above
// anything a graph means to pass on (blocks/xml.go stops at 500 elements,
// a JSON argument at 64 levels) and far below the decoders' limits, with
// room for the documents that wrap a value when it is stored and shown.
const maxOutputDepth = 1000

// nestsDeeper reports whether encoded JSON nests arrays and objects more
// than limit levels deep. It reads the bytes once, without decoding.
func nestsDeeper(raw []byte, limit int) bool {
	if len(raw) <= limit { // each level takes a byte: nearly every output is done here
		return false
	}
	depth, inString, escaped := 0, false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > limit {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}
