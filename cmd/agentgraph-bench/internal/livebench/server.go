package livebench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is an `agentgraph serve --workers 0` child process. It is a
// separate process on purpose: the memory phase reads its memory, which
// must not include the bench's own client connections.
type server struct {
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done closes
	tail *tailBuffer   // last lines of its log, for error messages
	// pprofAddr is where it serves net/http/pprof ("": not profiled).
	pprofAddr string
}

// servingLine is the log line serve prints once it listens (the Redis
// subscription is confirmed before it): the bench waits on it instead of
// polling, and learns the port the kernel picked.
var servingLine = regexp.MustCompile(`msg=serving addr=(\S+)`)

// startServer launches bin with env added to ours and returns once it
// serves. LISTEN_ADDR is 127.0.0.1:0, so parallel runs never collide.
func startServer(ctx context.Context, bin string, env map[string]string, logger *slog.Logger) (*server, error) {
	// Rate limiting off: the bench subscribes thousands of times as one user
	// and measures delivery, not the limiter.
	defaults := map[string]string{"WORKERS": "0", "RATE_LIMIT_RPS": "0"}
	for k, v := range env {
		defaults[k] = v
	}
	return launch(ctx, bin, []string{"serve", "--workers", defaults["WORKERS"]}, defaults, servingLine, logger)
}

// launch starts bin with args and env added to ours (LISTEN_ADDR
// 127.0.0.1:0, a short SHUTDOWN_GRACE and text logs unless env says otherwise) and
// returns once a line of its log matches ready; a submatch is the address
// it serves on.
func launch(ctx context.Context, bin string, args []string, env map[string]string, ready *regexp.Regexp, logger *slog.Logger) (*server, error) {
	cmd := exec.Command(bin, args...)
	// Text logs: the lines waited for below are matched in that format.
	cmd.Env = append(os.Environ(), "LISTEN_ADDR=127.0.0.1:0", "SHUTDOWN_GRACE=2s", "LOG_FORMAT=text")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v) // later entries win
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s %s: %w", bin, args[0], err)
	}
	s := &server{cmd: cmd, done: make(chan struct{}), tail: &tailBuffer{max: 20}}
	addr := make(chan string, 1)
	go func() {
		// Keep draining the log for the process's whole life: a full pipe
		// would block the server's logger.
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.tail.add(line)
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				// A reconnect or a slow consumer explains odd figures.
				logger.Warn("server: " + line)
			}
			if m := ready.FindStringSubmatch(line); m != nil {
				a := ""
				if len(m) > 1 {
					a = m[1]
				}
				select {
				case addr <- a:
				default:
				}
			}
		}
		s.err = cmd.Wait()
		close(s.done)
	}()
	wait := time.NewTimer(60 * time.Second)
	defer wait.Stop()
	select {
	case a := <-addr:
		if a != "" {
			s.base = "http://" + a
		}
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("%s exited before it was ready (%v): %s", args[0], s.err, s.tail)
	case <-wait.C:
		s.stop()
		return nil, fmt.Errorf("%s not ready after 60s: %s", args[0], s.tail)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// external is a server the bench was pointed at: nothing to launch or
// stop, and its process is out of reach (memory comes from /metrics only).
func external(base string) *server {
	return &server{base: strings.TrimSuffix(base, "/")}
}

// pid is the server's process id, 0 when it is external.
func (s *server) pid() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// cpu is the server's CPU time so far (0 when external).
func (s *server) cpu() time.Duration {
	if s.cmd == nil {
		return 0
	}
	d, _ := processCPU(s.pid())
	return d
}

// stop asks for a graceful shutdown and kills the process if it lingers.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// alive reports an unexpected exit as an error carrying the log tail.
func (s *server) alive() error {
	if s.cmd == nil {
		return nil
	}
	select {
	case <-s.done:
		return fmt.Errorf("server exited (%v): %s", s.err, s.tail)
	default:
		return nil
	}
}

// tailBuffer keeps the last max lines written to it.
type tailBuffer struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *tailBuffer) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return "(no output)"
	}
	return strings.Join(t.lines, " | ")
}
