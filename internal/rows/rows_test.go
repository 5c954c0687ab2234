package rows

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

type failing struct{ n int }

func (f *failing) Write(b []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(b), nil
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w, err := New(&b, CSV, []string{"a", "b"}, "rows")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteCSV([]string{"1", "x,y"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil || b.String() != "a,b\n1,\"x,y\"\n" {
		t.Errorf("csv %q, %v", b.String(), err)
	}
	b.Reset()
	w, _ = New(&b, CSV, []string{"a", "b"}, "rows")
	if err := w.Flush(); err != nil || b.String() != "a,b\n" {
		t.Errorf("empty csv %q, %v", b.String(), err)
	}
	b.Reset()
	w, _ = New(&b, JSONL, nil, "rows")
	line := func(b []byte) ([]byte, error) { return append(b, "{}\n"...), nil }
	if err := w.WriteLine(line); err != nil || w.Flush() != nil || b.String() != "{}\n" {
		t.Errorf("jsonl %q, %v", b.String(), err)
	}
	if err := w.WriteLine(func(b []byte) ([]byte, error) { return b, errors.New("NaN") }); err == nil || w.WriteLine(line) == nil {
		t.Errorf("an encoding error is not kept: %v", err)
	}
	if _, err := New(&b, "xml", nil, "rows"); err == nil {
		t.Error("unknown format: no error")
	}
	// The first failed write is returned by every later call.
	w, _ = New(&failing{n: 1}, CSV, []string{"a"}, "rows")
	if err := w.WriteCSV([]string{"1"}); err != nil {
		t.Fatal(err)
	}
	err = w.WriteCSV([]string{"2"})
	if err == nil || !strings.Contains(err.Error(), "write rows: disk full") || w.Flush() != err || w.WriteCSV([]string{"3"}) != err {
		t.Errorf("after a failed write: %v", err)
	}
}
