package sim

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/hawkes-toolkit/hawkes/fit"
)

// paramsColumns are the columns written by WriteParams, in order.
var paramsColumns = [...]string{"id", "kappa", "beta", "c", "theta", "nstar"}

// ParamsColumns returns the columns written by WriteParams, in order; the
// slice is a new copy on each call.
func ParamsColumns() []string { return slices.Clone(paramsColumns[:]) }

// WriteParams writes the true parameters of simulated cascades as CSV with
// the columns of ParamsColumns (the params.csv beside a simulated data set),
// so that fitted parameters can be checked against them. nstar is
// fit.Params.NStar, left empty where it is not finite (beta >= fit.Alpha-1).
// Numbers are written with the fewest digits that parse back to them. ids
// and params must have the same length.
func WriteParams(w io.Writer, ids []string, params []fit.Params) error {
	if len(ids) != len(params) {
		panic("sim: WriteParams: len(ids) != len(params)")
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(paramsColumns[:]); err != nil {
		return fmt.Errorf("write params: %w", err)
	}
	for i, p := range params {
		rec := []string{ids[i], formatFloat(p.Kappa), formatFloat(p.Beta), formatFloat(p.C), formatFloat(p.Theta), ""}
		if n := p.NStar(); !math.IsNaN(n) && !math.IsInf(n, 0) && n >= 0 {
			rec[5] = formatFloat(n)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write params of %s: %w", ids[i], err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write params: %w", err)
	}
	return nil
}

// formatFloat formats v with the fewest digits that parse back to v.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
