package editorbench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// stmtProxy sits between a server and Postgres and counts the SQL
// statements the server sends: each Execute message of the extended
// protocol and each simple Query, except pgxpool's "-- ping" health checks
// (the resolvers' test counts statements the same way, with a pgx tracer,
// which sees no ping). It needs no extension in Postgres (pg_stat_statements
// is not preloaded here) and no change to the server, so it counts any
// build alike; it is only in the path of the server that counts, never of
// the one whose speed is measured. Connections must not use TLS
// (sslmode=disable), or there is nothing to read.
type stmtProxy struct {
	ln       net.Listener
	upstream string
	n        atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

func newStmtProxy(upstream string) (*stmtProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &stmtProxy{ln: ln, upstream: upstream}
	p.wg.Go(p.accept)
	return p, nil
}

func (p *stmtProxy) addr() string { return p.ln.Addr().String() }

// count is the number of statements seen so far.
func (p *stmtProxy) count() int64 { return p.n.Load() }

func (p *stmtProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *stmtProxy) track(cs ...net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, cs...)
	p.mu.Unlock()
}

func (p *stmtProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.track(c, up)
		p.wg.Go(func() {
			_, _ = io.Copy(c, up) // answers: not read, spliced by the kernel
			_ = c.Close()
		})
		p.wg.Go(func() {
			_ = p.forward(up, c)
			_ = up.Close()
		})
	}
}

// forward copies the client's messages to Postgres, counting statements.
// The first message (startup, SSL or cancel request) has no type byte.
func (p *stmtProxy) forward(dst io.Writer, src io.Reader) error {
	r := bufio.NewReaderSize(src, 64<<10)
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return err
	}
	n := int(binary.BigEndian.Uint32(hdr[:4]))
	if n < 4 {
		return errors.New("bad startup message")
	}
	if _, err := dst.Write(hdr[:4]); err != nil {
		return err
	}
	if _, err := io.CopyN(dst, r, int64(n-4)); err != nil {
		return err
	}
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return err
		}
		typ, n := hdr[0], int(binary.BigEndian.Uint32(hdr[1:]))
		if n < 4 {
			return errors.New("bad message length")
		}
		if _, err := dst.Write(hdr[:]); err != nil {
			return err
		}
		switch typ {
		case 'E':
			p.n.Add(1)
		case 'Q':
			body, err := r.Peek(min(n-4, 16))
			if err != nil {
				return err
			}
			if string(body) != "-- ping\x00" {
				p.n.Add(1)
			}
		}
		if _, err := io.CopyN(dst, r, int64(n-4)); err != nil {
			return err
		}
	}
}
