package fit

import "math"

// expTableSize is the number of entries of exp2Table: 2^(i/expTableSize).
const expTableSize = 256

// exp2Table holds 2^(i/expTableSize), i = 0..expTableSize-1.
var exp2Table = func() (t [expTableSize]float64) {
	for i := range t {
		t[i] = math.Exp2(float64(i) / expTableSize)
	}
	return t
}()

// expPowers sets pow[k] to (e^(beta x_k), e^(beta x_k) x_k) for each x_k of
// xs: the powers m^beta = e^(beta log m) and m^beta log m that marks
// computes for every distinct magnitude at every new beta, which took a
// sixth of a fit's CPU time in math.Exp (docs/MEASUREMENTS.md). Each
// exponential is within about 2 ulps of e^x (math.Exp's own error included;
// TestFastExp). It is the classical table method: x = (k + i/N) ln 2 + r
// with |r| <= ln2/(2N), e^x = 2^k 2^(i/N) e^r, e^r by its Taylor polynomial
// of degree 5 (error r^6/720, below 1e-20), ln 2/N split in two parts (Cody
// and Waite) so that r is exact. Outside |x| < 700, where 2^k could leave
// the normal range, it calls math.Exp. Go's math.Exp has no vector form,
// and no well-kept Go library offers one, hence this hand-written one; it
// runs over a slice, not per call, because a call per power (the function
// is too large for the compiler to inline) cost a fifth of its
// instructions.
func expPowers(pow [][2]float64, xs []float64, beta float64) {
	const (
		invLn2N = expTableSize / math.Ln2
		ln2HiN  = 6.93147180369123816490e-01 / expTableSize
		ln2LoN  = 1.90821492927058770002e-10 / expTableSize
		// shifter rounds to an integer by the addition's own rounding.
		shifter = 0x1.8p52
	)
	pow = pow[:len(xs)]
	// The arguments out of range are left to a second loop: a call in
	// this one would make the compiler spill its registers at every
	// iteration.
	out := false
	for i, lm := range xs {
		x := beta * lm
		if !(x > -700 && x < 700) {
			out = true
			continue
		}
		kf := (x*invLn2N + shifter) - shifter
		k := int64(kf)
		r := (x - kf*ln2HiN) - kf*ln2LoN
		p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
		t := exp2Table[k&(expTableSize-1)] * p
		// Multiply by 2^(k div N) through the exponent bits: t is in
		// [1, 2) up to rounding, so the result stays normal for
		// |x| < 700.
		w := math.Float64frombits(math.Float64bits(t) + uint64(k>>8)<<52)
		pow[i] = [2]float64{w, w * lm}
	}
	if out {
		for i, lm := range xs {
			if x := beta * lm; !(x > -700 && x < 700) {
				w := math.Exp(x)
				pow[i] = [2]float64{w, w * lm}
			}
		}
	}
}
