package train

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrConfig: a Config field is out of range.
	ErrConfig = errors.New("train: invalid config")
	// ErrData: the training data is empty, ragged or not finite. Fit wraps
	// it in a *DataError when a single value is to blame.
	ErrData = errors.New("train: invalid training data")
	// ErrNotModel: the input does not start with the model file's magic.
	ErrNotModel = errors.New("train: not a model file")
	// ErrVersion: the model file has a format version this package cannot
	// read.
	ErrVersion = errors.New("train: unsupported model format version")
	// ErrTruncated: the model file ends early.
	ErrTruncated = errors.New("train: model file truncated")
	// ErrCorrupt: the model file fails its checksum or holds invalid
	// content (a bad header, a bad tree, a value out of range).
	ErrCorrupt = errors.New("train: model file corrupt")
)

// DataError reports a bad value in the training data. It wraps ErrData.
type DataError struct {
	Row    int     // 0-based row of X and y
	Column int     // 0-based column of X; -1 for the target y
	Value  float64 // the offending value
	Reason string  // what is wrong, e.g. "not finite"
}

func (e *DataError) Error() string {
	if e.Column < 0 {
		return fmt.Sprintf("train: row %d target: %s (%v)", e.Row, e.Reason, e.Value)
	}
	return fmt.Sprintf("train: row %d column %d: %s (%v)", e.Row, e.Column, e.Reason, e.Value)
}

// Unwrap returns ErrData.
func (e *DataError) Unwrap() error { return ErrData }
