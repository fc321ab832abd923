package livebench

import (
	"net"
	"os"
	"strings"
)

// LoadAverage is the machine's 1-, 5- and 15-minute load averages, as
// /proc/loadavg has them ("?" when it cannot be read): every bench prints
// it beside its figures, since a shared machine's load moves them.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// FreeLoopbackAddr is a loopback address whose port was free a moment ago
// (for a launched server's PPROF_ADDR).
func FreeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
