package model

import (
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Defaults of the seed's User.timezone and User.locale.
const (
	DefaultTimezone = "UTC"
	DefaultLocale   = "en-US"
)

// maxLocaleLen bounds a language tag: RFC 5646 §4.4.1 says 35 characters
// hold any tag without extensions, which is all a UI locale needs.
const maxLocaleLen = 35

// ParseLocale checks that s is a well-formed BCP 47 language tag naming a
// known language and returns its canonical form ("en_us" → "en-US"), so
// equal tags are stored alike. "und" and private-use-only tags name no
// language and are refused. The error names field.
func ParseLocale(field, s string) (string, error) {
	if s == "" || len(s) > maxLocaleLen {
		return "", Invalid(field, "must be a BCP 47 language tag such as en-US (1 to %d characters)", maxLocaleLen)
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", Invalid(field, "%q is not a BCP 47 language tag such as en-US", s)
	}
	c := tag.String()
	if c == "und" || strings.HasPrefix(c, "und-") || strings.HasPrefix(c, "x-") {
		return "", Invalid(field, "%q names no language; use a tag such as en-US", s)
	}
	return c, nil
}

// maxTimezoneLen is well above the longest IANA name (about 32 characters).
const maxTimezoneLen = 64

// CheckTimezone checks that tz is an IANA time zone name the server knows.
// time.LoadLocation also answers for "" (UTC) and "Local" (the server's own
// zone), which are not IANA names and mean nothing to a client: refused.
func CheckTimezone(field, tz string) error {
	if tz == "" || tz == "Local" || len(tz) > maxTimezoneLen {
		return Invalid(field, "unknown time zone %q: use an IANA name such as Europe/Paris", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return Invalid(field, "unknown time zone %q: use an IANA name such as Europe/Paris", tz)
	}
	return nil
}
