package train

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Validate checks a Config as given; WithDefaults makes the zero Config
// valid, and Resolve is both plus MaxFeatures.
func TestConfigValidate(t *testing.T) {
	good := Config{}.WithDefaults()
	if err := good.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if err := (Config{}).Validate(); !errors.Is(err, ErrConfig) {
		t.Errorf("zero Config as given: error %v, want ErrConfig", err)
	}
	with := func(edit func(*Config)) Config { c := good; edit(&c); return c }
	for _, tt := range []struct {
		name string
		cfg  Config
		want string // "" for valid
	}{
		{"defaults", good, ""},
		{"no depth limit", with(func(c *Config) { c.MaxDepth = 0 }), ""},
		{"default max features", with(func(c *Config) { c.MaxFeatures = 0 }), ""},
		{"zero trees", with(func(c *Config) { c.Trees = 0 }), "trees = 0, want >= 1"},
		{"negative depth", with(func(c *Config) { c.MaxDepth = -1 }), "max depth = -1, want >= 0 (0 for unlimited)"},
		{"zero min leaf", with(func(c *Config) { c.MinLeaf = 0 }), "min leaf = 0, want >= 1"},
		{"negative max features", with(func(c *Config) { c.MaxFeatures = -1 }), "max features = -1, want >= 0"},
		{"zero sample fraction", with(func(c *Config) { c.SampleFrac = 0 }), "sample fraction = 0, want in (0, 1]"},
		{"NaN sample fraction", with(func(c *Config) { c.SampleFrac = math.NaN() }), "sample fraction = NaN, want in (0, 1]"},
		{"zero workers", with(func(c *Config) { c.Workers = 0 }), "workers = 0, want >= 1"},
	} {
		err := tt.cfg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (!errors.Is(err, ErrConfig) || err.Error() != "train: invalid config: "+tt.want):
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}

	c, err := Config{}.Resolve(7)
	if err != nil || c.Trees != DefaultTrees || c.MaxFeatures != DefaultMaxFeatures(7) || c.SampleFrac != 1 || c.Seed != DefaultSeed {
		t.Errorf("Resolve of the zero Config: %+v, %v", c, err)
	}
	if _, err := (Config{MaxFeatures: 8}).Resolve(7); err == nil || !strings.Contains(err.Error(), "max features = 8, want 0 to 7") {
		t.Errorf("Resolve with more features than the data: %v", err)
	}
}
