package refreshbench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// nodeProcess is one launched node process and its pipes.
type nodeProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	done   chan struct{}
}

// launchNode starts `bin refresh-node` with the fixture's environment and
// returns once it is ready for rounds.
func launchNode(ctx context.Context, bin string, f *fixture, nodes int) (*nodeProcess, error) {
	cmd := exec.CommandContext(ctx, bin, NodeCommand, "--user", f.userID.String(),
		"--credential", f.cred.String(), "--nodes", strconv.Itoa(nodes))
	cmd.Env = os.Environ()
	for k, v := range f.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = os.Stderr // its errors, after ours: it logs nothing else
	p := &nodeProcess{cmd: cmd, done: make(chan struct{})}
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.stdout = bufio.NewReaderSize(out, 1<<20)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	ready := make(chan error, 1)
	go func() {
		line, err := p.stdout.ReadString('\n')
		if err == nil && strings.TrimSpace(line) != readyLine {
			err = fmt.Errorf("unexpected first line %q", line)
		}
		ready <- err
	}()
	select {
	case err = <-ready:
	case <-time.After(60 * time.Second):
		err = fmt.Errorf("not ready after 60 s")
	}
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("%w", err)
	}
	return p, nil
}

// start begins a round.
func (p *nodeProcess) start() error { return p.send("go") }

// startOneAtATime asks for n resolves one after another.
func (p *nodeProcess) startOneAtATime(n int) error { return p.send(oneAtATime + " " + strconv.Itoa(n)) }

func (p *nodeProcess) send(line string) error {
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		return fmt.Errorf("node process %d: %w", p.cmd.Process.Pid, err)
	}
	return nil
}

// result reads the round's answer.
func (p *nodeProcess) result() (*round, error) {
	line, err := p.stdout.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("node process %d: %w", p.cmd.Process.Pid, err)
	}
	var r round
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("node process %d answered %q: %w", p.cmd.Process.Pid, line, err)
	}
	return &r, nil
}

// stop closes its stdin (it exits at EOF) and kills it if it lingers.
func (p *nodeProcess) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
