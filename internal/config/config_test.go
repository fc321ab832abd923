package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// t.Setenv: these tests cannot run in parallel with each other.

func TestRequestLimitDefaults(t *testing.T) {
	for _, k := range []string{"MAX_FIELDS", "MAX_ALIASES", "RATE_LIMIT_RPS", "RATE_LIMIT_BURST"} {
		t.Setenv(k, "")
	}
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 1000, c.MaxFields)
	require.Equal(t, 1000, c.MaxAliases)
	require.InDelta(t, 50, c.RateLimitRPS, 0)
	require.Equal(t, 200, c.RateLimitBurst)
}

func TestRequestLimitsFromEnv(t *testing.T) {
	t.Setenv("MAX_FIELDS", "300")
	t.Setenv("MAX_ALIASES", "20")
	t.Setenv("RATE_LIMIT_RPS", "0.5")
	t.Setenv("RATE_LIMIT_BURST", "3")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 300, c.MaxFields)
	require.Equal(t, 20, c.MaxAliases)
	require.InDelta(t, 0.5, c.RateLimitRPS, 0)
	require.Equal(t, 3, c.RateLimitBurst)

	// 0 turns rate limiting off, whatever the burst.
	t.Setenv("RATE_LIMIT_RPS", "0")
	t.Setenv("RATE_LIMIT_BURST", "0")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Zero(t, c.RateLimitRPS)
}

func TestRequestLimitErrorsNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{
		"MAX_FIELDS":       "0",
		"MAX_ALIASES":      "many",
		"RATE_LIMIT_RPS":   "-1",
		"RATE_LIMIT_BURST": "0",
	} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			_, err := FromEnv()
			require.Error(t, err)
			require.Contains(t, err.Error(), k)
		})
	}
	t.Setenv("RATE_LIMIT_RPS", "NaN")
	_, err := FromEnv()
	require.ErrorContains(t, err, "RATE_LIMIT_RPS")
}

func TestAlertingFromEnv(t *testing.T) {
	for _, k := range []string{"ALERT_INTERVAL", "QUEUE_ALERT_AFTER", "ALERT_CHANNELS", "ALERT_WEBHOOK_SECRET", "SMTP_URL", "SMTP_FROM"} {
		t.Setenv(k, "")
	}
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 30*time.Second, c.AlertInterval)
	require.Zero(t, c.QueueAlertAfter, "the late-run alert is off by default")
	require.Empty(t, c.AlertChannels)

	t.Setenv("ALERT_INTERVAL", "1s")
	t.Setenv("QUEUE_ALERT_AFTER", "5m")
	t.Setenv("ALERT_CHANNELS", "webhook:https://example.com/h, email:ops@example.com")
	t.Setenv("ALERT_WEBHOOK_SECRET", "s")
	t.Setenv("SMTP_URL", "smtp://127.0.0.1:25")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, time.Second, c.AlertInterval)
	require.Equal(t, 5*time.Minute, c.QueueAlertAfter)
	require.Equal(t, []string{"webhook:https://example.com/h", "email:ops@example.com"}, c.AlertChannels)
	require.Equal(t, []byte("s"), c.AlertWebhookSecret)
	require.Equal(t, "smtp://127.0.0.1:25", c.SMTPURL)

	for _, k := range []string{"ALERT_INTERVAL", "QUEUE_ALERT_AFTER"} {
		t.Setenv(k, "soon")
		_, err = FromEnv()
		require.ErrorContains(t, err, k)
		t.Setenv(k, "")
	}
}

func TestHousekeepingFromEnv(t *testing.T) {
	for _, k := range []string{"METRICS_INTERVAL", "METRICS_RETENTION", "LOG_RETENTION"} {
		t.Setenv(k, "")
	}
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 15*time.Second, c.MetricsInterval)
	require.Equal(t, 7*24*time.Hour, c.MetricsRetention)
	require.Equal(t, 30*24*time.Hour, c.LogRetention)

	t.Setenv("METRICS_INTERVAL", "1s")
	t.Setenv("METRICS_RETENTION", "36h")
	t.Setenv("LOG_RETENTION", "90d")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Equal(t, time.Second, c.MetricsInterval)
	require.Equal(t, 36*time.Hour, c.MetricsRetention)
	require.Equal(t, 90*24*time.Hour, c.LogRetention)

	for k, v := range map[string]string{"METRICS_INTERVAL": "0s", "METRICS_RETENTION": "-1d", "LOG_RETENTION": "1h2d"} {
		t.Setenv(k, v)
		_, err = FromEnv()
		require.ErrorContains(t, err, k)
		t.Setenv(k, "")
	}
	t.Setenv("METRICS_INTERVAL", "1h")
	t.Setenv("METRICS_RETENTION", "30m")
	_, err = FromEnv()
	require.ErrorContains(t, err, "METRICS_RETENTION")
}
