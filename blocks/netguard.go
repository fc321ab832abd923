package blocks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
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

// notPublic4 are IPv4 ranges netip has no predicate for: CGNAT's shared
// space, "this network" (Linux dials 0.x.y.z as the host itself), the
// IETF's protocol assignments, benchmarking, and the reserved 240/4 with
// broadcast.
var notPublic4 = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// IPv6 addresses that carry an IPv4 one, which a translator or relay on the
// way (or the host's own stack) dials: each is as public as the address it
// carries. NAT64's well-known prefix (RFC 6052) and the deprecated
// IPv4-compatible form hold it in their last 32 bits, 6to4 (RFC 3056) in
// bits 16–47. Local-use NAT64 (RFC 8215) and Teredo (whose IPv4 address is
// obfuscated, and a relay reaches it) are refused outright.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	v4Compat   = netip.MustParsePrefix("::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	notPublic6 = []netip.Prefix{netip.MustParsePrefix("64:ff9b:1::/48"), netip.MustParsePrefix("2001::/32")}
)

// publicAddress reports whether a may be dialled by a user's block.
func publicAddress(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	if a.Is4() {
		return !slices.ContainsFunc(notPublic4, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), v4Compat.Contains(a):
		return publicAddress(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		return publicAddress(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return !slices.ContainsFunc(notPublic6, func(p netip.Prefix) bool { return p.Contains(a) })
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
