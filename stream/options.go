package stream

import (
	"fmt"
	"github.com/IBM/sarama"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// This file is the one home of the options' rules and defaults, as in
// packages fit and train. Each options type has two methods:
//
//   - WithDefaults returns the options with every field left at its zero
//     value set to its default (written on the field), so that a struct
//     literal need only name what it changes;
//   - Validate checks the options as given, as a command line gives them
//     (its flags start at the defaults): a zero is an error wherever it is
//     not a meaningful value (a MaxOpen of 0 open cascades, say), although
//     the constructors take it for the default. Check o.WithDefaults() to
//     allow defaults.
//
// The constructors (NewFitter, NewTrainer, NewAlerter, Replay, StartBroker,
// Run, EnsureTopics) call WithDefaults, then Validate, and return an
// invalid option's *OptionError as it is: it says "stream: <role>:" itself.

// An OptionError is an option value the package refuses. Its message names
// the options as the hawkes command names its flags, without the dashes
// ("max-open"); Message can name them otherwise.
type OptionError struct {
	// Role is whose option it is: "client", "broker", "reader", "fitter",
	// "trainer" or "alerts"; "" for the options of Run itself.
	Role string
	// Option is the option at fault, e.g. "max-open".
	Option string

	format string
	args   []any // options are optionNames
}

// optionName is an option named by an OptionError's message.
type optionName string

// optionErrorf returns an *OptionError of role whose message is format
// with args; args of type optionName are options, the first of them the one
// at fault.
func optionErrorf(role, format string, args ...any) *OptionError {
	e := &OptionError{Role: role, format: format, args: args}
	for _, a := range args {
		if o, ok := a.(optionName); ok {
			e.Option = string(o)
			break
		}
	}
	return e
}

func (e *OptionError) Error() string {
	msg := e.Message(func(option string) string { return option })
	if e.Role == "" {
		return "stream: " + msg
	}
	return "stream: " + e.Role + ": " + msg
}

// Message returns what is wrong, without the package and role, with each
// option it names written as name(option).
func (e *OptionError) Message(name func(option string) string) string {
	args := make([]any, len(e.args))
	for i, a := range e.args {
		if o, ok := a.(optionName); ok {
			a = name(string(o))
		}
		args[i] = a
	}
	return fmt.Sprintf(e.format, args...)
}

// validate checks the arguments of a role's constructor: the client (with
// its defaults), the topics and the role's options (with theirs).
func validate(c Client, t Topics, o interface{ Validate() error }) error {
	if err := c.WithDefaults().Validate(); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return o.Validate()
}

// finitePositive reports whether x is a finite number > 0.
func finitePositive(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// WithDefaults returns c with its zero fields set to their defaults:
// ClientID DefaultClientID, ConnectTimeout DefaultConnectTimeout.
func (c Client) WithDefaults() Client {
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.KafkaVersion == "" {
		c.KafkaVersion = DefaultKafkaVersion
	}
	return c
}

// Validate checks c. No Brokers is valid (Run then starts an embedded
// broker); connecting needs at least one. TLS files are read when a role
// connects.
func (c Client) Validate() error {
	for _, b := range c.Brokers {
		if i := strings.LastIndexByte(b, ':'); i <= 0 || i == len(b)-1 {
			return optionErrorf("client", "%s: %q is not host:port", optionName("brokers"), b)
		}
	}
	switch strings.ToUpper(c.SASLMechanism) {
	case "", SASLPlain, SASLScramSHA256, SASLScramSHA512:
	default:
		return optionErrorf("client", "%s must be %s, %s or %s, got %q",
			optionName("sasl-mechanism"), SASLPlain, SASLScramSHA256, SASLScramSHA512, c.SASLMechanism)
	}
	if c.SASLMechanism != "" && c.SASLUser == "" {
		return optionErrorf("client", "%s needs %s", optionName("sasl-mechanism"), optionName("sasl-user"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return optionErrorf("client", "%s and %s go together", optionName("tls-cert"), optionName("tls-key"))
	}
	if c.ConnectTimeout <= 0 {
		return optionErrorf("client", "%s must be positive, got %v", optionName("connect-timeout"), c.ConnectTimeout)
	}
	if c.KafkaVersion != "" {
		v, err := sarama.ParseKafkaVersion(c.KafkaVersion)
		if err != nil {
			return optionErrorf("client", "%s: %q is not a Kafka version such as %s", optionName("kafka-version"), c.KafkaVersion, DefaultKafkaVersion)
		}
		if !v.IsAtLeast(sarama.V0_11_0_0) {
			return optionErrorf("client", "%s %s: the producers are idempotent, which needs Kafka 0.11.0 or newer", optionName("kafka-version"), c.KafkaVersion)
		}
	}
	return nil
}

// WithDefaults returns o with DefaultBrokers brokers when it names neither
// a number of brokers nor ports.
func (o BrokerOptions) WithDefaults() BrokerOptions {
	if len(o.Ports) == 0 && o.Brokers == 0 {
		o.Brokers = DefaultBrokers
	}
	return o
}

// Validate checks o: one to three brokers, on TCP ports.
func (o BrokerOptions) Validate() error {
	if n := len(o.Ports); n > 3 || (n == 0 && (o.Brokers < 1 || o.Brokers > 3)) {
		e := optionErrorf("broker", "one to three brokers: got %s %v, %s %d", optionName("ports"), o.Ports, optionName("brokers"), o.Brokers)
		if n == 0 {
			e.Option = "brokers"
		}
		return e
	}
	for _, p := range o.Ports {
		if p < 1 || p > 65535 {
			return optionErrorf("broker", "%s: %d is not a TCP port", optionName("ports"), p)
		}
	}
	return nil
}

// WithDefaults returns o with its zero fields set to their defaults:
// Spacing DefaultSpacing, WatermarkEvery DefaultWatermarkEvery, OutageTimeout
// DefaultOutageTimeout. A zero Speed is a value: as fast as possible.
func (o ReaderOptions) WithDefaults() ReaderOptions {
	if o.Spacing == 0 {
		o.Spacing = DefaultSpacing
	}
	if o.WatermarkEvery == 0 {
		o.WatermarkEvery = DefaultWatermarkEvery
	}
	if o.OutageTimeout == 0 {
		o.OutageTimeout = DefaultOutageTimeout
	}
	return o
}

// Validate checks o: Speed 0 or a positive factor, Spacing finite and
// positive, WatermarkEvery positive and at most MaxWatermarkEvery,
// OutageTimeout positive.
func (o ReaderOptions) Validate() error {
	switch {
	case !(o.Speed >= 0) || math.IsInf(o.Speed, 1):
		return optionErrorf("reader", "%s must be 0 (as fast as possible) or a positive factor, got %v", optionName("speed"), o.Speed)
	case !finitePositive(o.Spacing):
		return optionErrorf("reader", "%s must be a positive number of seconds, got %v", optionName("spacing"), o.Spacing)
	case !finitePositive(o.WatermarkEvery) || o.WatermarkEvery > MaxWatermarkEvery:
		return optionErrorf("reader", "%s must be a positive number of seconds, at most %v, got %v",
			optionName("watermark-every"), MaxWatermarkEvery, o.WatermarkEvery)
	case o.OutageTimeout < 0:
		return optionErrorf("reader", "%s must be positive, got %v", optionName("outage-timeout"), o.OutageTimeout)
	}
	return nil
}

// WithDefaults returns o with its zero fields set to their defaults:
// Windows DefaultWindows, Terminated DefaultTerminated, MaxOpen
// DefaultMaxOpen, MaxSkew DefaultMaxSkew, Group DefaultFitterGroup, ID
// host-pid, and Fit's (fit.Options WithDefaults).
func (o FitterOptions) WithDefaults() FitterOptions {
	if len(o.Windows) == 0 {
		o.Windows = DefaultWindows()
	}
	if o.Terminated == 0 {
		o.Terminated = DefaultTerminated
	}
	if o.MaxOpen == 0 {
		o.MaxOpen = DefaultMaxOpen
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = DefaultMaxSkew
	}
	if o.Group == "" {
		o.Group = DefaultFitterGroup
	}
	if o.ID == "" {
		o.ID = defaultFitterID()
	}
	o.Fit = o.Fit.WithDefaults()
	return o
}

// Validate checks o: at least one window, each finite, positive and given
// once; Terminated finite and positive; MaxOpen at least 1; MaxSkew finite
// and at least MinMaxSkew; a consumer group; Fit as fit.Options.Validate does (Starts at least 1). An empty ID
// is valid: the fitter is named host-pid.
func (o FitterOptions) Validate() error {
	if len(o.Windows) == 0 {
		return optionErrorf("fitter", "%s needs at least one window", optionName("window"))
	}
	for i, w := range o.Windows {
		if !finitePositive(w) {
			return optionErrorf("fitter", "%s must be positive numbers of seconds, got %v", optionName("window"), w)
		}
		if slices.Contains(o.Windows[:i], w) {
			return optionErrorf("fitter", "%s %v given twice", optionName("window"), w)
		}
	}
	switch {
	case !finitePositive(o.Terminated):
		return optionErrorf("fitter", "%s must be a positive number of seconds, got %v", optionName("terminated"), o.Terminated)
	case o.MaxOpen < 1:
		return optionErrorf("fitter", "%s must be at least 1, got %d", optionName("max-open"), o.MaxOpen)
	case !(o.MaxSkew >= MinMaxSkew) || math.IsInf(o.MaxSkew, 1):
		return optionErrorf("fitter", "%s must be a number of seconds of at least %v (the reader's watermarks can be a day apart), got %v",
			optionName("max-skew"), MinMaxSkew, o.MaxSkew)
	case o.Fit.Starts < 1:
		return optionErrorf("fitter", "%s must be at least 1, got %d", optionName("starts"), o.Fit.Starts)
	case o.Group == "":
		return optionErrorf("fitter", "%s must not be empty", optionName("group"))
	}
	// Starts is fit.Options.Validate's rule, checked above to name the
	// option; the fit's other rules, should it gain some, are its own.
	if err := o.Fit.Validate(); err != nil {
		return fmt.Errorf("stream: fitter: %w", err)
	}
	return nil
}

// WithDefaults returns o with its zero fields set to their defaults:
// Group DefaultTrainerGroup, RetrainEvery DefaultRetrainEvery, MaxSamples
// DefaultMaxSamples, Forest.Trees DefaultTrainerTrees and the rest of
// Forest train's (train.Config WithDefaults), Learner
// predict.DefaultLearner, Boost train's (train.BoostConfig WithDefaults).
func (o TrainerOptions) WithDefaults() TrainerOptions {
	if o.Group == "" {
		o.Group = DefaultTrainerGroup
	}
	if o.RetrainEvery == 0 {
		o.RetrainEvery = DefaultRetrainEvery
	}
	if o.MaxSamples == 0 {
		o.MaxSamples = DefaultMaxSamples
	}
	if o.Forest.Trees == 0 {
		o.Forest.Trees = DefaultTrainerTrees
	}
	o.Forest = o.Forest.WithDefaults()
	if o.Learner == "" {
		o.Learner = predict.DefaultLearner
	}
	o.Boost = o.Boost.WithDefaults()
	return o
}

// Validate checks o: RetrainEvery at least 1, or NoRetrain; MaxSamples,
// Forest.Trees and Forest.MinLeaf at least 1; a consumer group; the rest of
// Forest as train.Config.Resolve does (where zeros are train's defaults);
// a known Learner, and Boost as train.BoostConfig Validate for boosted
// trees; and each of Models with predict.Check on its window.
func (o TrainerOptions) Validate() error {
	switch {
	case o.RetrainEvery < 1 && o.RetrainEvery != NoRetrain:
		return optionErrorf("trainer", "%s must be at least 1 (or %d: no retraining), got %d", optionName("retrain-every"), NoRetrain, o.RetrainEvery)
	case o.MaxSamples < 1:
		return optionErrorf("trainer", "%s must be at least 1, got %d", optionName("max-samples"), o.MaxSamples)
	case o.Forest.Trees < 1:
		return optionErrorf("trainer", "%s must be at least 1, got %d", optionName("trees"), o.Forest.Trees)
	case o.Forest.MinLeaf < 1:
		return optionErrorf("trainer", "%s must be at least 1, got %d", optionName("min-leaf"), o.Forest.MinLeaf)
	case o.Group == "":
		return optionErrorf("trainer", "%s must not be empty", optionName("group"))
	}
	if _, err := o.Forest.Resolve(features.NumFeatures); err != nil {
		return fmt.Errorf("stream: trainer: %w", err)
	}
	if err := predict.ValidateLearner(o.Learner); err != nil {
		return optionErrorf("trainer", "%s: %v", optionName("learner"), err)
	}
	if o.Learner == train.LearnerBoost {
		if err := o.Boost.Validate(); err != nil {
			return fmt.Errorf("stream: trainer: %w", err)
		}
	}
	for _, w := range slices.Sorted(maps.Keys(o.Models)) {
		if err := predict.Check(o.Models[w], w); err != nil {
			return fmt.Errorf("stream: trainer: model of window %v: %w", w, err)
		}
	}
	return nil
}

// WithDefaults returns o with its zero fields set to their defaults: Group
// DefaultAlertsGroup, Threshold DefaultThreshold, Format FormatText, Out
// io.Discard.
func (o AlertsOptions) WithDefaults() AlertsOptions {
	if o.Group == "" {
		o.Group = DefaultAlertsGroup
	}
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Format == "" {
		o.Format = FormatText
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	return o
}

// Validate checks o: a finite positive Threshold, a known Format, a
// consumer group. A nil Out is valid: the alerts are only published.
func (o AlertsOptions) Validate() error {
	switch {
	case !finitePositive(o.Threshold):
		return optionErrorf("alerts", "%s must be a positive size, got %v", optionName("threshold"), o.Threshold)
	case o.Format != FormatText && o.Format != FormatJSONL:
		return optionErrorf("alerts", "%s must be %s or %s, got %q", optionName("format"), FormatText, FormatJSONL, o.Format)
	case o.Group == "":
		return optionErrorf("alerts", "%s must not be empty", optionName("group"))
	}
	return nil
}

// WithDefaults returns o with its zero fields, and those of the options of
// every role, set to their defaults (Fitters DefaultFitters). Topics has no
// defaults: start from DefaultTopics.
func (o Options) WithDefaults() Options {
	if o.Fitters == 0 {
		o.Fitters = DefaultFitters
	}
	o.Client = o.Client.WithDefaults()
	o.Broker = o.Broker.WithDefaults()
	o.Reader = o.Reader.WithDefaults()
	o.Fitter = o.Fitter.WithDefaults()
	o.Trainer = o.Trainer.WithDefaults()
	o.Alerts = o.Alerts.WithDefaults()
	return o
}

// Validate checks o and the options of every role it runs. Broker is
// checked only when it is used: with no Client.Brokers.
func (o Options) Validate() error {
	if o.Fitters < 1 {
		return optionErrorf("", "%s must be at least 1, got %d", optionName("fitters"), o.Fitters)
	}
	embedded := len(o.Client.Brokers) == 0
	if o.Broker.StateDir != "" && !embedded {
		return optionErrorf("", "%s is for the embedded broker: it cannot be used with %s", optionName("state-dir"), optionName("brokers"))
	}
	if err := o.Client.Validate(); err != nil {
		return err
	}
	if err := o.Topics.Validate(); err != nil {
		return err
	}
	if embedded {
		if err := o.Broker.Validate(); err != nil {
			return err
		}
	}
	for _, v := range []interface{ Validate() error }{o.Reader, o.Fitter, o.Trainer, o.Alerts} {
		if err := v.Validate(); err != nil {
			return err
		}
	}
	return nil
}
