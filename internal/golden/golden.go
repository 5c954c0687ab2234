// Package golden compares test outputs with golden files kept in testdata/,
// and rewrites those files when the tests run with -update:
//
//	go test ./evaluate -run Golden -update
//
// It registers the -update flag itself, so a test package that imports it
// must not define a flag of that name.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ instead of comparing with them")

// Update reports whether the tests run with -update, for a test that writes
// its golden files itself rather than through Check.
func Update() bool { return *update }

// Check compares got with the golden file at path, byte for byte; under
// -update it writes got to path instead, creating its folder.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	CheckFunc(t, path, got, func(got, want []byte) (bool, error) {
		return bytes.Equal(got, want), nil
	})
}

// CheckFunc is Check with equal deciding whether got matches want, the
// golden file's contents: for instance images compared pixel by pixel. An
// error of equal fails the test.
func CheckFunc(t testing.TB, path string, got []byte, equal func(got, want []byte) (bool, error)) {
	t.Helper()
	if *update {
		Write(t, path, got)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	ok, err := equal(got, want)
	if err != nil {
		t.Fatalf("compare with %s: %v", path, err)
	}
	if ok {
		return
	}
	if utf8.Valid(got) && utf8.Valid(want) {
		t.Errorf("output differs from %s (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
		return
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := atomicfile.WriteFile(out, got); err != nil {
		t.Errorf("output differs from %s (run go test -update to accept); writing it: %v", path, err)
		return
	}
	t.Errorf("output differs from %s; got written to %s (run go test -update to accept)", path, out)
}

// Write writes b to the golden file at path, creating its folder; tests call
// it under -update (see Update).
func Write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(path, b); err != nil {
		t.Fatalf("update golden file: %v", err)
	}
}
