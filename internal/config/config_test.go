package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// t.Setenv: these tests cannot run in parallel with each other.

func TestRequestLimitDefaults(t *testing.T) {
	for _, k := range []string{"MAX_FIELDS", "MAX_ALIASES"} {
		t.Setenv(k, "")
	}
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 1000, c.MaxFields)
	require.Equal(t, 1000, c.MaxAliases)
}

func TestRequestLimitsFromEnv(t *testing.T) {
	t.Setenv("MAX_FIELDS", "300")
	t.Setenv("MAX_ALIASES", "20")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 300, c.MaxFields)
	require.Equal(t, 20, c.MaxAliases)
}

func TestRequestLimitErrorsNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{
		"MAX_FIELDS":  "0",
		"MAX_ALIASES": "many",
	} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			_, err := FromEnv()
			require.Error(t, err)
			require.Contains(t, err.Error(), k)
		})
	}
}
