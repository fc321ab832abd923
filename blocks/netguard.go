package blocks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Blocks that reach the network run on behalf of users, from inside the
// deployment: without a guard, a graph could read cloud metadata
// (169.254.169.254), the database, Redis or any internal service (SSRF).
// Unless the deployment allows private networks (ALLOW_PRIVATE_NETWORK,
// RunContext.AllowPrivateNetwork), connections to loopback, private,
// link-local, CGNAT, multicast and unspecified addresses are refused. The
// check runs on the address actually dialled, after DNS resolution and on
// every redirect, so a public name resolving to a private address (DNS
// rebinding) is refused too.

// ErrForbiddenAddress is the error a refused connection wraps.
var ErrForbiddenAddress = fmt.Errorf("address not allowed (private network; set ALLOW_PRIVATE_NETWORK=true to allow)")

// cgnat is 100.64.0.0/10, shared address space that is not public.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddress reports whether a may be dialled by a user's block.
func publicAddress(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() &&
		!a.IsLinkLocalMulticast() && !a.IsInterfaceLocalMulticast() && !a.IsMulticast() &&
		!a.IsUnspecified() && !cgnat.Contains(a)
}

// guardControl is a net.Dialer Control hook refusing non-public addresses.
func guardControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if !publicAddress(ap.Addr()) {
		return fmt.Errorf("dial %s: %w", address, ErrForbiddenAddress)
	}
	return nil
}

func newHTTPClient(guarded bool) *http.Client { return newHTTPClientBuffered(guarded, 0) }

// newHTTPClientBuffered is newHTTPClient with each connection's read and
// write buffers of bufSize bytes (0: the transport's default, 4 KiB each).
func newHTTPClientBuffered(guarded bool, bufSize int) *http.Client {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if guarded {
		d.Control = guardControl
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	if guarded {
		t.Proxy = nil // a proxy would dial on our behalf, past the guard
	}
	t.DialContext = d.DialContext
	// Many runs call the same few hosts at once (a model provider, an
	// API): keep their connections for reuse rather than the default 2 idle
	// per host, which made concurrent calls dial (and TLS-handshake) anew.
	t.MaxIdleConnsPerHost = 256
	t.ReadBufferSize, t.WriteBufferSize = bufSize, bufSize
	return &http.Client{Transport: t}
}

// Clients shared by every run (their connection pools too).
var (
	guardedClient   = newHTTPClient(true)
	unguardedClient = newHTTPClient(false)
)

// Model providers' clients (AI blocks). Each call in flight holds its own
// connection for the whole answer (HTTP/1.1 streams one response per
// connection), and 2,000 calls at once are a figure of issue 12: their
// buffers are 1 KiB rather than 4 KiB each way, which streamed answers'
// small SSE lines do not fill (a larger read or write still goes through,
// in pieces). Saves 6 KiB per call in flight.
var (
	modelGuardedClient   = newHTTPClientBuffered(true, modelBufSize)
	modelUnguardedClient = newHTTPClientBuffered(false, modelBufSize)
)

const modelBufSize = 1 << 10

// modelHTTPClient is the client for a model provider: the operator's URL is
// trusted; a user's goes through the SSRF guard unless the deployment
// allows private networks.
func modelHTTPClient(rc *RunContext, operator bool) *http.Client {
	if operator || (rc != nil && rc.AllowPrivateNetwork) {
		return modelUnguardedClient
	}
	return modelGuardedClient
}

// httpClient is the client a block uses for rc's run.
func httpClient(rc *RunContext) *http.Client {
	if rc != nil && rc.AllowPrivateNetwork {
		return unguardedClient
	}
	return guardedClient
}

// GuardedHTTPClient is the client for requests to URLs users gave outside
// a run (alert webhooks): the same guard as blocks' requests unless
// allowPrivate. Shared, so its connection pool is too.
func GuardedHTTPClient(allowPrivate bool) *http.Client {
	if allowPrivate {
		return unguardedClient
	}
	return guardedClient
}

// IsForbiddenAddress reports whether err is the guard's refusal.
func IsForbiddenAddress(err error) bool { return errors.Is(err, ErrForbiddenAddress) }
