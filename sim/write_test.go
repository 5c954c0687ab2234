package sim

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/golden"
)

// The -update flag of package golden regenerates the golden file of this
// test:
//
//	go test ./sim -run WriteParams -update
func TestWriteParamsGolden(t *testing.T) {
	ids := []string{"sim000001", "sim000002", "sim000003"}
	params := []fit.Params{
		// n* = 0.02 * 1.016/0.516 / (0.8 * 60^0.8), computed by the formula.
		{Kappa: 0.02, Beta: 0.5, C: 60, Theta: 0.8},
		{Kappa: 1.5, Beta: 0, C: 1, Theta: 2},
		// beta >= Alpha-1: E[m^beta] diverges, nstar is left empty.
		{Kappa: 1, Beta: 1.2, C: 10, Theta: 1},
	}
	var buf bytes.Buffer
	if err := WriteParams(&buf, ids, params); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "params.csv.golden"), buf.Bytes())
}
