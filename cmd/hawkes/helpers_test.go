package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
)

// testStreams returns streams writing into buffers, not a terminal.
func testStreams() (ios *ioStreams, stdout, stderr *bytes.Buffer) {
	stdout, stderr = new(bytes.Buffer), new(bytes.Buffer)
	return &ioStreams{Out: stdout, ErrOut: stderr}, stdout, stderr
}

// execSub runs sub under a bare root command with argv (the subcommand's
// name first) and returns the exit code and what was written to stderr.
func execSub(t *testing.T, ios *ioStreams, sub *cobra.Command, argv ...string) int {
	t.Helper()
	root := newBareRootCmd(ios)
	root.AddCommand(sub)
	return execute(context.Background(), root, argv, ios)
}

// testCacheDir is the fit cache of the commands under test: TestMain points
// the user cache folder (XDG_CACHE_HOME) at a temporary one, so that the
// tests neither read nor fill the real cache.
var testCacheDir string

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "hawkes-cmd-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", tmp)
	testCacheDir = filepath.Join(tmp, "hawkes")
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}
