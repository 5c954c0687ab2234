package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/hawkes-toolkit/hawkes/data"
)

// Exit codes of hawkes, documented in the root command's help and in the
// README's table.
const (
	exitOK          = 0   // success
	exitError       = 1   // runtime failure
	exitUsage       = 2   // bad command line: unknown command or flag, invalid flag value
	exitBadInput    = 3   // bad input data: a malformed data set, features file or model file; an input that does not exist or is a folder
	exitOutput      = 4   // an output cannot be written
	exitInterrupted = 130 // stopped by SIGINT or SIGTERM
)

// exitCode maps the error returned by a command to the exit code of the
// process. It is the only place where exit codes are chosen. The checks go
// from the most to the least specific cause: an output whose folder is
// missing wraps fs.ErrNotExist too, but is an output that cannot be written,
// not bad input.
func exitCode(err error) int {
	var fe *flagError
	var pe *data.ParseError
	var be *badInputError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &fe):
		return exitUsage
	case isWriteError(err):
		return exitOutput
	case errors.As(err, &pe), errors.As(err, &be), errors.Is(err, fs.ErrNotExist):
		return exitBadInput
	default:
		return exitError
	}
}

// isWriteError reports whether err is the failure to write an output: an
// *fs.PathError of operation "write", which internal/atomicfile returns for
// every failure of the file it writes (checked before the work, while
// writing, or when it is renamed into place) and os.File returns for a failed
// write to standard output.
func isWriteError(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && pe.Op == "write"
}

// flagError is a usage error: a bad command line. hawkes prints it with the
// usage of the command and exits with exitUsage.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

// flagErrorf returns a *flagError with a formatted message.
func flagErrorf(format string, args ...any) error {
	return &flagError{fmt.Errorf(format, args...)}
}

// badInputError is an input file the command cannot use, such as a model
// file that does not decode or was trained for another window: hawkes exits
// with exitBadInput.
type badInputError struct{ err error }

func (e *badInputError) Error() string { return e.err.Error() }
func (e *badInputError) Unwrap() error { return e.err }

// badInputf returns a *badInputError with a formatted message.
func badInputf(format string, args ...any) error {
	return &badInputError{fmt.Errorf(format, args...)}
}
