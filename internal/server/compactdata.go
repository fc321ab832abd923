package server

// special marks the bytes appendCompactData must look at: everything else
// is copied as it is.
var special = func() (t [256]bool) {
	for _, c := range []byte{'"', '\\', '<', '>', '&', 0xE2, ' ', '\t', '\n', '\r'} {
		t[c] = true
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendCompactData appends the valid JSON src to dst exactly as
// encoding/json writes a json.RawMessage (its compact with HTML escaping):
// whitespace outside strings dropped; <, > and & written \u003c, \u003e,
// \u0026; U+2028 and U+2029 written \u2028 and \u2029. It does not
// validate: src is gqlgen's rendering, whose JSON scalars hold stored or
// re-encoded JSON. One pass over plain bytes, against encoding/json's two
// through its scanner.
func appendCompactData(dst, src []byte) []byte {
	start, inString := 0, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !special[c] {
			continue
		}
		switch c {
		case '"':
			inString = !inString
		case '\\':
			i++ // an escape inside a string: the next byte is never special
		case '<', '>', '&':
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case 0xE2:
			if i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8 {
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xF])
				i += 2
				start = i + 1
			}
		default: // whitespace
			if !inString {
				dst = append(dst, src[start:i]...)
				start = i + 1
			}
		}
	}
	return append(dst, src[start:]...)
}
