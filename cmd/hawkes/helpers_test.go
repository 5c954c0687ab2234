package main

import (
	"bytes"
	"context"
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
