package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	msgs  []string
	fatal bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	runtime.Goexit()
}

// run calls f with a recorder, in its own goroutine so that Fatalf can stop
// it, and returns the recorder.
func run(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "testdata", "out.txt")
	// A missing golden file fails and says how to create it.
	r := run(t, func(tb testing.TB) { Check(tb, path, []byte("a\n")) })
	if !r.fatal || !strings.Contains(r.msgs[0], "-update") {
		t.Errorf("missing file: fatal %v, messages %q", r.fatal, r.msgs)
	}

	// -update writes it, creating the folder.
	*update = true
	r = run(t, func(tb testing.TB) { Check(tb, path, []byte("a\n")) })
	*update = false
	if len(r.msgs) != 0 {
		t.Fatalf("update: %q", r.msgs)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\n" {
		t.Fatalf("update wrote %q, %v", b, err)
	}

	// The same bytes pass; others fail with both shown.
	if r := run(t, func(tb testing.TB) { Check(tb, path, []byte("a\n")) }); len(r.msgs) != 0 {
		t.Errorf("same bytes: %q", r.msgs)
	}
	r = run(t, func(tb testing.TB) { Check(tb, path, []byte("b\n")) })
	if len(r.msgs) != 1 || r.fatal || !strings.Contains(r.msgs[0], "--- got\nb\n") || !strings.Contains(r.msgs[0], "--- want\na\n") {
		t.Errorf("different bytes: fatal %v, messages %q", r.fatal, r.msgs)
	}
}

func TestCheckFunc(t *testing.T) {
	path := filepath.Join(t.TempDir(), "img.bin")
	if err := os.WriteFile(path, []byte{0xff, 1}, 0o666); err != nil {
		t.Fatal(err)
	}
	sameLen := func(got, want []byte) (bool, error) { return len(got) == len(want), nil }
	if r := run(t, func(tb testing.TB) { CheckFunc(tb, path, []byte{0xff, 2}, sameLen) }); len(r.msgs) != 0 {
		t.Errorf("equal by the function: %q", r.msgs)
	}
	// Binary output that differs is written to a file named in the message.
	r := run(t, func(tb testing.TB) { CheckFunc(tb, path, []byte{0xfe}, sameLen) })
	if len(r.msgs) != 1 || !strings.Contains(r.msgs[0], "got written to ") {
		t.Fatalf("binary difference: %q", r.msgs)
	}
	// An error of the function is fatal.
	r = run(t, func(tb testing.TB) {
		CheckFunc(tb, path, nil, func(got, want []byte) (bool, error) { return false, fmt.Errorf("bad image") })
	})
	if !r.fatal || !strings.Contains(r.msgs[0], "bad image") {
		t.Errorf("error of equal: fatal %v, messages %q", r.fatal, r.msgs)
	}
}
