// Package config reads agentgraph's settings from the environment, with
// defaults that work on a developer's machine.
package config

import (
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/agentgraph/agentgraph/blocks/llm"
	"github.com/agentgraph/agentgraph/internal/pg"
)

// Config is every setting of a process.
type Config struct {
	DatabaseURL    string
	RedisURL       string
	ListenAddr     string
	AdminAddr      string // if set: /metrics, /healthz, /readyz on a listener of their own, in any process
	PprofAddr      string // if set: net/http/pprof on a listener of its own (keep it on loopback)
	EncryptionKey  []byte // 32 bytes (AES-256) for stored credentials
	JWTSecret      []byte
	JWTIssuer      string
	JWTAudience    string
	AllowedOrigins []string
	Workers        int           // engine workers (concurrent runs per process; 0 in serve = API only)
	MaxNodes       int           // plain blocks running at once per process (0 = the engine's default, 128)
	MaxAINodes     int           // AI blocks (model calls) running at once per process (0 = the engine's default, 2048)
	LeaseDuration  time.Duration // how long a claim lasts without a heartbeat
	ShutdownGrace  time.Duration
	RedisPrefix    string
	DBMaxConns     int32
	MaxRunsPerUser int           // running runs per user across all workers (0 = no limit)
	MaxNodeExecs   int           // node executions per run; past it the run ends FAILED
	RunTimeout     time.Duration // a run's wall-clock limit; it ends TIMEOUT
	NodeTimeout    time.Duration // one block run's limit; the node ends TIMEOUT
	// AllowPrivateNetwork lets blocks reach loopback and private addresses
	// (off: users' HTTP requests cannot reach the deployment's network).
	AllowPrivateNetwork bool
	// MaxFields and MaxAliases cap one GraphQL document (fragment spreads
	// expanded); larger ones are refused before validation.
	MaxFields, MaxAliases int
	// RateLimitRPS (requests per second, 0 = off) and RateLimitBurst size
	// each user's (or anonymous address's) token bucket, shared in Redis
	// by every API instance.
	RateLimitRPS   float64
	RateLimitBurst int
	// PublicURL is where this deployment is reached from outside (webhook
	// URLs are built on it); default http://localhost and LISTEN_ADDR's port.
	PublicURL string

	// Alerting: rules are evaluated every AlertInterval (ALERT_INTERVAL);
	// webhook notifications are signed with AlertWebhookSecret
	// (ALERT_WEBHOOK_SECRET); email goes through SMTPURL (SMTP_URL) from
	// SMTPFrom (SMTP_FROM). QueueAlertAfter (QUEUE_ALERT_AFTER, 0 = off)
	// keeps the built-in late-run rule, notified on AlertChannels
	// (ALERT_CHANNELS, comma-separated).
	AlertInterval      time.Duration
	AlertWebhookSecret []byte
	SMTPURL, SMTPFrom  string
	QueueAlertAfter    time.Duration
	AlertChannels      []string

	// Housekeeping, in one process at a time: a SystemMetrics sample is
	// stored every MetricsInterval (METRICS_INTERVAL) and kept for
	// MetricsRetention (METRICS_RETENTION); run log lines are kept for
	// LogRetention (LOG_RETENTION).
	MetricsInterval, MetricsRetention, LogRetention time.Duration

	// The platform's model provider keys and where they point (operator
	// settings, trusted): OPENAI_API_KEY, OPENAI_BASE_URL (an OpenAI-compatible
	// server: Ollama, vLLM, …), ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,
	// OLLAMA_BASE_URL (models of provider "ollama"; no key needed).
	OpenAIKey, OpenAIBaseURL, AnthropicKey, AnthropicBaseURL, OllamaBaseURL string
	// LLMModels are the operator's additions to the model registry, from
	// LLM_MODELS (a JSON array) and LLM_MODELS_FILE (a file holding one).
	LLMModels []llm.Model
}

// FromEnv reads the environment. Errors name the variable.
func FromEnv() (Config, error) {
	c := Config{
		DatabaseURL:        env("DATABASE_URL", pg.DefaultURL),
		RedisURL:           env("REDIS_URL", "redis://127.0.0.1:6379/0"),
		ListenAddr:         env("LISTEN_ADDR", ":8080"),
		PublicURL:          os.Getenv("PUBLIC_URL"),
		AdminAddr:          os.Getenv("ADMIN_ADDR"),
		PprofAddr:          os.Getenv("PPROF_ADDR"),
		JWTSecret:          []byte(os.Getenv("JWT_SECRET")),
		JWTIssuer:          os.Getenv("JWT_ISSUER"),
		JWTAudience:        os.Getenv("JWT_AUDIENCE"),
		AllowedOrigins:     splitList(os.Getenv("ALLOWED_ORIGINS")),
		AlertWebhookSecret: []byte(os.Getenv("ALERT_WEBHOOK_SECRET")),
		SMTPURL:            os.Getenv("SMTP_URL"),
		SMTPFrom:           os.Getenv("SMTP_FROM"),
		AlertChannels:      splitList(os.Getenv("ALERT_CHANNELS")),
		RedisPrefix:        env("REDIS_PREFIX", "agentgraph:"),
	}
	var err error
	if c.Workers, err = intEnv("WORKERS", 64); err != nil {
		return c, err
	}
	if c.MaxNodes, err = intEnv("MAX_NODES", 0); err != nil {
		return c, err
	}
	if c.MaxAINodes, err = intEnv("MAX_AI_NODES", 0); err != nil {
		return c, err
	}
	conns, err := intEnv("DB_MAX_CONNS", 32)
	if err != nil {
		return c, err
	}
	c.DBMaxConns = int32(conns)
	if c.LeaseDuration, err = durEnv("LEASE_DURATION", 10*time.Second); err != nil {
		return c, err
	}
	if c.ShutdownGrace, err = durEnv("SHUTDOWN_GRACE", 15*time.Second); err != nil {
		return c, err
	}
	if c.MaxRunsPerUser, err = intEnv("MAX_RUNS_PER_USER", 0); err != nil {
		return c, err
	}
	if c.MaxNodeExecs, err = intEnv("MAX_NODE_EXECUTIONS_PER_RUN", 100_000); err != nil {
		return c, err
	}
	if c.RunTimeout, err = durEnv("RUN_TIMEOUT", time.Hour); err != nil {
		return c, err
	}
	if c.NodeTimeout, err = durEnv("NODE_TIMEOUT", 10*time.Minute); err != nil {
		return c, err
	}
	if c.AllowPrivateNetwork, err = boolEnv("ALLOW_PRIVATE_NETWORK", false); err != nil {
		return c, err
	}
	if c.AlertInterval, err = durEnv("ALERT_INTERVAL", 30*time.Second); err != nil {
		return c, err
	}
	if c.QueueAlertAfter, err = durEnv("QUEUE_ALERT_AFTER", 0); err != nil {
		return c, err
	}
	if err := c.readHousekeeping(); err != nil {
		return c, err
	}
	if err := c.readRequestLimits(); err != nil {
		return c, err
	}
	if err := c.readModels(); err != nil {
		return c, err
	}
	if k := os.Getenv("ENCRYPTION_KEY"); k != "" {
		c.EncryptionKey, err = hex.DecodeString(k)
		if err != nil || len(c.EncryptionKey) != 32 {
			return c, fmt.Errorf("ENCRYPTION_KEY must be 64 hex characters (32 bytes)")
		}
	}
	if c.PublicURL == "" {
		port := c.ListenAddr[strings.LastIndex(c.ListenAddr, ":")+1:]
		c.PublicURL = "http://localhost:" + port
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c, nil
}

// readHousekeeping reads the history's sampling interval and the retentions.
func (c *Config) readHousekeeping() error {
	var err error
	if c.MetricsInterval, err = durEnv("METRICS_INTERVAL", 15*time.Second); err != nil {
		return err
	}
	if c.MetricsRetention, err = durEnv("METRICS_RETENTION", 7*day); err != nil {
		return err
	}
	if c.LogRetention, err = durEnv("LOG_RETENTION", 30*day); err != nil {
		return err
	}
	if c.MetricsRetention < c.MetricsInterval {
		return fmt.Errorf("METRICS_RETENTION (%s) must be at least METRICS_INTERVAL (%s)", c.MetricsRetention, c.MetricsInterval)
	}
	return nil
}

// readRequestLimits reads the limits on what one request may ask.
func (c *Config) readRequestLimits() error {
	var err error
	if c.MaxFields, err = intEnv("MAX_FIELDS", 1000); err != nil {
		return err
	}
	if c.MaxAliases, err = intEnv("MAX_ALIASES", 1000); err != nil {
		return err
	}
	if c.MaxFields < 1 || c.MaxAliases < 1 {
		return fmt.Errorf("MAX_FIELDS and MAX_ALIASES must be at least 1")
	}
	if c.RateLimitRPS, err = floatEnv("RATE_LIMIT_RPS", 50); err != nil {
		return err
	}
	if c.RateLimitBurst, err = intEnv("RATE_LIMIT_BURST", 200); err != nil {
		return err
	}
	if c.RateLimitRPS > 0 && c.RateLimitBurst < 1 {
		return fmt.Errorf("RATE_LIMIT_BURST must be at least 1 while RATE_LIMIT_RPS is set (RATE_LIMIT_RPS=0 turns rate limiting off)")
	}
	return nil
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func intEnv(k string, def int) (int, error) {
	v := os.Getenv(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a non-negative integer, got %q", k, v)
	}
	return n, nil
}

func floatEnv(k string, def float64) (float64, error) {
	v := os.Getenv(k)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%s must be a non-negative number, got %q", k, v)
	}
	return f, nil
}

func boolEnv(k string, def bool) (bool, error) {
	v := os.Getenv(k)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false, got %q", k, v)
	}
	return b, nil
}

const day = 24 * time.Hour

// durEnv reads a Go duration (10s, 1h30m) or a whole number of days (7d):
// retentions are counted in days.
func durEnv(k string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(k)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, aerr := strconv.Atoi(days)
		d, err = time.Duration(n)*day, aerr
		if n > 100_000 {
			err = strconv.ErrRange
		}
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration like 10s or 7d, got %q", k, v)
	}
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readModels reads the model providers' settings and the operator's models.
func (c *Config) readModels() error {
	c.OpenAIKey, c.OpenAIBaseURL = os.Getenv("OPENAI_API_KEY"), os.Getenv("OPENAI_BASE_URL")
	c.AnthropicKey, c.AnthropicBaseURL = os.Getenv("ANTHROPIC_API_KEY"), os.Getenv("ANTHROPIC_BASE_URL")
	c.OllamaBaseURL = os.Getenv("OLLAMA_BASE_URL")
	if f := os.Getenv("LLM_MODELS_FILE"); f != "" {
		raw, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("LLM_MODELS_FILE: %w", err)
		}
		ms, err := llm.ParseModels(raw)
		if err != nil {
			return fmt.Errorf("LLM_MODELS_FILE %s: %w", f, err)
		}
		c.LLMModels = append(c.LLMModels, ms...)
	}
	if v := os.Getenv("LLM_MODELS"); v != "" {
		ms, err := llm.ParseModels([]byte(v))
		if err != nil {
			return fmt.Errorf("LLM_MODELS: %w", err)
		}
		c.LLMModels = append(c.LLMModels, ms...)
	}
	return nil
}

// OperatorModelKeys are the configured provider keys, by provider.
func (c Config) OperatorModelKeys() map[string][2]string {
	keys := map[string][2]string{}
	if c.OpenAIKey != "" {
		keys["openai"] = [2]string{c.OpenAIKey, c.OpenAIBaseURL}
	}
	if c.AnthropicKey != "" {
		keys["anthropic"] = [2]string{c.AnthropicKey, c.AnthropicBaseURL}
	}
	if c.OllamaBaseURL != "" {
		keys["ollama"] = [2]string{"ollama", c.OllamaBaseURL}
	}
	return keys
}
