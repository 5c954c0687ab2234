//go:build !unix

package data

import (
	"os"
	"testing"
)

// mkfifo skips the test: named pipes are a Unix feature.
func mkfifo(t *testing.T, path string) *os.File {
	t.Skip("no named pipes on this system")
	return nil
}
