//go:build unix

package data

import (
	"os"
	"syscall"
	"testing"
)

// mkfifo makes a named pipe at path and returns it opened for reading and
// writing, so that opening it for reading does not wait for a writer.
func mkfifo(t *testing.T, path string) *os.File {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
