// Package shared locates the project's shared real data sets for tests and
// benchmarks, which skip with a clear message when the data is absent.
package shared

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// EnvVar names the environment variable that overrides the location of the
// shared data folder (the one holding seismic_subset, smh_cascades, ...).
const EnvVar = "HAWKES_SHARED_DATA"

// Root returns the shared data folder: $HAWKES_SHARED_DATA, else
// ../shared/data beside the repository. ok is false when it does not exist.
func Root() (dir string, ok bool) {
	if d := os.Getenv(EnvVar); d != "" {
		dir = d
	} else {
		_, file, _, _ := runtime.Caller(0)
		// file is <repo>/internal/shared/shared.go.
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data")
	}
	_, err := os.Stat(dir)
	return dir, err == nil
}

// Path returns the path of name inside the shared data folder, or skips tb
// with a message saying what is missing and how to point at it.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	root, _ := Root()
	p := filepath.Join(root, name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared data %s not found (set %s to the folder holding it): %v", name, EnvVar, err)
	}
	return p
}
