package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// ioStreams are where the commands write: results on Out, progress,
// summaries and errors on ErrOut.
type ioStreams struct {
	// In is standard input, which commands read for the input "-".
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// ErrTTY says ErrOut is a terminal, where progress bars are drawn.
	ErrTTY bool
}

// systemStreams returns the process's standard output and error.
func systemStreams() *ioStreams {
	return &ioStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}
