package llm

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/openai/openai-go/v3/packages/ssestream"
)

// sseDecoder is the SDK's text/event-stream decoding (ssestream's
// eventStreamDecoder, same events) on a small buffer: the SDK's
// bufio.Scanner takes 4 KiB per stream on its first line and a new slice
// per event, and a call waiting on a model holds its decoder for the whole
// answer (2,000 calls in flight are a figure of issue 12). Lines longer
// than the buffer are gathered in line; the event's data reuses one slice,
// which ssestream.Stream reads before it asks for the next event.
type sseDecoder struct {
	rc   io.ReadCloser
	r    *bufio.Reader
	line []byte // a line longer than r's buffer, gathered
	data []byte
	evt  ssestream.Event
	err  error
	done bool // the stream said [DONE]: its body has nothing more to say
}

// sseBufSize holds a typical chunk line (~300 bytes) whole.
const sseBufSize = 512

// sseMaxLine bounds a line, as the SDK's scanner does.
const sseMaxLine = bufio.MaxScanTokenSize << 9

var errSSELineTooLong = errors.New("an event-stream line is too long")

func newSSEDecoder(res *http.Response) ssestream.Decoder {
	if res == nil || res.Body == nil {
		return nil
	}
	return &sseDecoder{rc: res.Body, r: bufio.NewReaderSize(res.Body, sseBufSize)}
}

// readLine is the next line without its end (\n or \r\n), valid until the
// next read; a last line without an end is a line too.
func (d *sseDecoder) readLine() ([]byte, error) {
	d.line = d.line[:0]
	for {
		chunk, err := d.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if d.line = append(d.line, chunk...); len(d.line) > sseMaxLine {
				return nil, errSSELineTooLong
			}
			continue
		}
		line := chunk
		if len(d.line) > 0 {
			d.line = append(d.line, chunk...)
			line = d.line
		}
		if err != nil && (!errors.Is(err, io.EOF) || len(line) == 0) {
			return nil, err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}

func (d *sseDecoder) Next() bool {
	if d.err != nil {
		return false
	}
	event := ""
	d.data = d.data[:0]
	for {
		line, err := d.readLine()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				d.err = err
			}
			return false
		}
		if len(line) == 0 { // an empty line dispatches the event
			if len(d.data) == 0 {
				event = ""
				continue
			}
			d.evt = ssestream.Event{Type: event, Data: d.data}
			d.done = bytes.HasPrefix(d.data, doneData)
			return true
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(name) {
		case "event":
			event = string(value)
		case "data":
			d.data = append(d.data, value...)
			d.data = append(d.data, '\n')
		} // "": a comment; other fields are ignored
	}
}

func (d *sseDecoder) Event() ssestream.Event { return d.evt }

// Close closes the body. After [DONE] it first reads the body to its end,
// in the background: an HTTP/1.1 connection goes back to the pool only if
// its response was read to the end, and a server ends it just after
// [DONE], mostly after the SDK stopped reading; closed early, the
// connection was dropped and the next call dialled a new one (about one
// call in six, one at a time on the bench's stub: a local Ollama or vLLM
// is HTTP/1.1 too). The read is bounded in bytes, and in time by the
// request's contexts (the run's; the SDK's per-attempt timeout).
func (d *sseDecoder) Close() error {
	if !d.done {
		return d.rc.Close()
	}
	go func() {
		_, _ = io.CopyN(io.Discard, d.r, sseDrainMax)
		_ = d.rc.Close()
	}()
	return nil
}

// sseDrainMax bounds what Close reads after [DONE].
const sseDrainMax = 4 << 10

var doneData = []byte("[DONE]")

func (d *sseDecoder) Err() error { return d.err }
