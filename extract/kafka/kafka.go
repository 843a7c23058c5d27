// Package kafka is the `type: kafka` source: row-change events (Debezium or
// Canal JSON) read with a Kafka consumer group, to be applied to the target
// exactly once by the cdc loader (target mode: cdc).
//
// Exactly once is made of three parts. The source attaches to every batch
// a checkpoint per Kafka partition ("kafka/<topic>/<partition>" = the next
// offset to apply), which the target stores in the transaction that
// applies the batch; at start the source skips what the target already
// holds (Resume). Offsets are committed to Kafka only after the target
// committed (Ack), so Kafka never runs ahead of the target. And events of
// one key are collapsed in the batch and carry their position in the
// source's log (package change), so that the cdc loader can refuse a
// change older than the one it applied last, whatever was replayed,
// re-published or redelivered.
//
// Several xcetl processes of one pipeline share the partitions through the
// consumer group (SharesWork): see docs/operations.md, "Scaling out".
//
// The source runs until it is stopped: SIGTERM or Ctrl-C drains (the
// batch in hand is committed, the offsets with it), `--exit-when-idle D`
// ends the run once no event arrived for D.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

func init() {
	extract.RegisterSpec("kafka", config.Doc{
		Summary: "change events (Debezium, Debezium flattened, Canal) from Kafka topics for a target in mode: cdc, offsets kept in the target with each batch, the per-key version guard on by default",
		Example: `brokers: ["127.0.0.1:9092"]
topic: dbserver1.public.residents
group: xcetl-residents
format: debezium`,
	}, New)
}

// Group membership timings.
const (
	sessionTimeout = 10 * time.Second
	// joinGrace bounds how long --exit-when-idle waits for the group to
	// assign partitions before it counts idle time anyway.
	joinGrace = 3 * sessionTimeout
)

// CheckpointPrefix starts the key of every checkpoint this source keeps:
// "kafka/<topic>/<partition>".
const CheckpointPrefix = "kafka/"

// rawHeader names the fields of a rejected event in the reject file.
var rawHeader = []string{"kafka_topic", "kafka_partition", "kafka_offset", "kafka_key", "kafka_value"}

// Source reads change events from Kafka.
type Source struct {
	st  *settings
	log *slog.Logger
	dec decoder

	view *change.View

	reader     *kafkago.Reader
	client     *kafkago.Client // offsets, for --exit-when-idle
	partitions []tp
	msgs       chan fetched
	stop       context.CancelFunc
	pumpWG     sync.WaitGroup

	// Set by Resume: the next offset to apply per partition, as the target
	// stores it. Messages below are skipped as already applied.
	resume map[tp]int64
	// seen records, per partition, the next offset after the last message
	// handled in this run (messages before it are in some batch).
	seen    map[tp]int64
	checked map[tp]bool // the first message of the partition was checked for a gap
	gaps    map[tp]bool // partitions whose first message was past the target's offset: the loader checks
	single  string      // single-table Canal: the one source table seen

	pendingErr error // returned by the next Next (DDL stop), after the batch before it
	// held is a message taken but not handled: a truncate that starts the
	// next batch (truncate: apply), so that the changes before it are
	// applied first.
	held      *kafkago.Message
	opened    time.Time
	joined    bool // the group assigned partitions (or joinGrace passed)
	idle      atomic.Int64
	draining  atomic.Bool
	drainCh   chan struct{}
	drainOnce sync.Once

	lagMu sync.Mutex
	lag   map[tp]int64

	messages, events, dups, tombstones, ddls, ignored, commitErrs atomic.Int64
	collapsed, transactions, heartbeats, truncates                atomic.Int64
}

type tp struct {
	topic     string
	partition int
}

func (p tp) key() string { return CheckpointPrefix + p.topic + "/" + strconv.Itoa(p.partition) }

type fetched struct {
	m   kafkago.Message
	err error
}

var (
	_ extract.Extractor    = (*Source)(nil)
	_ extract.Resumer      = (*Source)(nil)
	_ extract.Acker        = (*Source)(nil)
	_ extract.Describer    = (*Source)(nil)
	_ extract.Drainer      = (*Source)(nil)
	_ extract.IdleExiter   = (*Source)(nil)
	_ xcetl.Statser        = (*Source)(nil)
	_ extract.ChangeSource = (*Source)(nil)
	_ extract.WorkSharer   = (*Source)(nil)
)

// New builds a kafka source from its `source:` mapping, checking the
// configuration without connecting.
func New(sp *Spec, env extract.Env) (extract.Extractor, error) {
	st := settingsOf(sp, env.BaseDir)
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{st: st, log: log, drainCh: make(chan struct{})}
	switch st.format {
	case "debezium":
		s.dec = newDebezium(st.key)
	case "debezium-flat":
		s.dec = &debeziumFlat{dbz: newDebezium(st.key), prefix: st.fieldPrefix, tombstones: st.tombstones}
	case "canal":
		s.dec = &canal{key: st.key}
	}
	return s, nil
}

// Guarded implements extract.ChangeSource: the target keeps the per-key
// version guard unless `versions: false`.
func (s *Source) Guarded() bool { return s.st.versions }

// SharesWork implements extract.WorkSharer: the processes of one pipeline
// split the partitions among themselves through the consumer group, and
// the target's per-partition offsets fence them (a batch continues its
// partitions from the offsets the target holds, or is refused), so they
// need no lock of the whole pipeline.
func (s *Source) SharesWork() bool { return true }

// Describe implements extract.Describer.
func (s *Source) Describe() string {
	d := fmt.Sprintf("kafka %s topics %s group %s, format %s", strings.Join(s.st.brokers, ","), strings.Join(s.st.topics, ","), s.st.group, s.st.format)
	if s.st.sasl != nil {
		d += ", sasl " + s.st.sasl.Mechanism + " user " + s.st.sasl.Username
	}
	if s.st.tls != nil && (s.st.tls.Enabled == nil || *s.st.tls.Enabled) {
		d += ", tls"
	}
	if !s.st.versions {
		d += ", without the per-key version guard (versions: false)"
	}
	return d
}

// SetExitWhenIdle makes Next end the run (io.EOF) once no message arrived
// for d (0: never). Called before the run starts.
func (s *Source) SetExitWhenIdle(d time.Duration) { s.idle.Store(int64(d)) }

// Drain asks the source to end the run cleanly: Next hands out what it
// holds, then returns io.EOF, so the engine commits it and acknowledges the
// offsets. Safe to call from any goroutine, any number of times.
func (s *Source) Drain() {
	s.drainOnce.Do(func() {
		s.draining.Store(true)
		close(s.drainCh)
	})
}

// Resumes implements extract.Resumer: the source always keeps its offsets
// in the target.
func (s *Source) Resumes() bool { return true }

// Resume implements extract.Resumer: it reads the offsets the target has
// applied; messages below them are skipped.
func (s *Source) Resume(ctx context.Context, state xcetl.StateReader) error {
	m, err := state.ReadCheckpoints(ctx, CheckpointPrefix)
	if err != nil {
		return err
	}
	for k, v := range m {
		rest := strings.TrimPrefix(k, CheckpointPrefix)
		i := strings.LastIndexByte(rest, '/')
		if i < 0 {
			return fmt.Errorf("kafka source: checkpoint %q: not kafka/<topic>/<partition>", k)
		}
		p, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			return fmt.Errorf("kafka source: checkpoint %q: bad partition", k)
		}
		off, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || off < 0 {
			return fmt.Errorf("kafka source: checkpoint %q holds %q, not an offset", k, v)
		}
		s.resume[tp{rest[:i], p}] = off
	}
	if len(m) > 0 {
		s.log.Info("resuming from the offsets the target holds", "partitions", len(m))
	}
	return nil
}

// Open implements extract.Extractor: it returns the schema of the batches,
// the view of their change events (package change: one text column per
// field of source.columns). It does not connect: `xcetl explain` opens
// sources too, and must not join the consumer group (that would make a
// running instance rebalance). The first Next connects.
func (s *Source) Open(ctx context.Context) (*xcetl.Schema, error) {
	s.resume, s.seen, s.checked, s.lag, s.gaps = map[tp]int64{}, map[tp]int64{}, map[tp]bool{}, map[tp]int64{}, map[tp]bool{}
	s.opened = time.Now()
	s.view = change.NewView(s.st.columns, 4)
	return s.view.Schema(), nil
}

// connect checks that the brokers answer and the topics exist, and joins
// the consumer group.
func (s *Source) connect(ctx context.Context) error {
	mech, err := s.st.mechanism()
	if err != nil {
		return extract.Errorf("kafka", "%w", err)
	}
	tlsc, err := s.st.tlsConfig()
	if err != nil {
		return extract.Errorf("kafka", "%w", err)
	}
	dialer := &kafkago.Dialer{Timeout: 10 * time.Second, DualStack: true, ClientID: s.st.clientID, SASLMechanism: mech, TLS: tlsc}
	if err := s.checkTopics(ctx, dialer); err != nil {
		return err
	}
	start := kafkago.FirstOffset
	if !s.st.earliest {
		start = kafkago.LastOffset
	}
	s.reader = kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:           s.st.brokers,
		GroupID:           s.st.group,
		GroupTopics:       s.st.topics,
		Dialer:            dialer,
		StartOffset:       start,
		CommitInterval:    0, // commit synchronously, in Ack, after the target committed
		MinBytes:          1,
		MaxBytes:          4 << 20,
		MaxWait:           250 * time.Millisecond,
		ReadBackoffMin:    50 * time.Millisecond,
		ReadBackoffMax:    time.Second,
		QueueCapacity:     512,
		ErrorLogger:       kafkago.LoggerFunc(func(f string, a ...any) { s.log.Warn("kafka: " + fmt.Sprintf(f, a...)) }),
		HeartbeatInterval: 3 * time.Second,
		// A crashed run's membership lapses after SessionTimeout; until
		// then a restarted run waits to get its partitions.
		SessionTimeout:   sessionTimeout,
		RebalanceTimeout: sessionTimeout,
	})
	s.client = &kafkago.Client{Addr: kafkago.TCP(s.st.brokers...), Timeout: 10 * time.Second,
		Transport: &kafkago.Transport{SASL: mech, TLS: tlsc, ClientID: s.st.clientID}}
	pctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.msgs = make(chan fetched, 256)
	s.pumpWG.Add(1)
	go s.pump(pctx)
	s.opened = time.Now()
	return nil
}

// checkTopics fails early, with a clear message, when no broker answers or
// a topic does not exist.
func (s *Source) checkTopics(ctx context.Context, dialer *kafkago.Dialer) error {
	var conn *kafkago.Conn
	var errs []error
	for _, b := range s.st.brokers {
		c, err := dialer.DialContext(ctx, "tcp", b)
		if err == nil {
			conn = c
			break
		}
		errs = append(errs, fmt.Errorf("%s: %w", b, err))
	}
	if conn == nil {
		return extract.Errorf("kafka", "no broker answers: %w", errors.Join(errs...))
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	parts, err := conn.ReadPartitions(s.st.topics...)
	if err != nil {
		return extract.Errorf("kafka", "read the partitions of %s: %w", strings.Join(s.st.topics, ", "), err)
	}
	have := map[string]bool{}
	s.partitions = s.partitions[:0]
	for _, p := range parts {
		have[p.Topic] = true
		s.partitions = append(s.partitions, tp{p.Topic, p.ID})
	}
	for _, t := range s.st.topics {
		if !have[t] {
			return extract.Errorf("kafka", "topic %q does not exist on %s", t, strings.Join(s.st.brokers, ","))
		}
	}
	return nil
}

// pump moves messages from the reader to s.msgs, so that Next can wait for
// a message and a timer at once.
func (s *Source) pump(ctx context.Context) {
	defer s.pumpWG.Done()
	for {
		m, err := s.reader.FetchMessage(ctx)
		if err != nil && ctx.Err() != nil {
			return
		}
		select {
		case s.msgs <- fetched{m, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// caughtUp reports whether every partition of the topics has been read to
// its end, by this run or by the group: what --exit-when-idle waits for
// besides quiet (a rebalance, or a partition reader restarting after one,
// is quiet too).
func (s *Source) caughtUp(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	lreq := &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{}}
	freq := &kafkago.OffsetFetchRequest{GroupID: s.st.group, Topics: map[string][]int{}}
	for _, p := range s.partitions {
		lreq.Topics[p.topic] = append(lreq.Topics[p.topic], kafkago.FirstOffsetOf(p.partition), kafkago.LastOffsetOf(p.partition))
		freq.Topics[p.topic] = append(freq.Topics[p.topic], p.partition)
	}
	lo, err := s.client.ListOffsets(ctx, lreq)
	if err != nil {
		return false, err
	}
	of, err := s.client.OffsetFetch(ctx, freq)
	if err != nil {
		return false, err
	}
	committed := map[tp]int64{}
	for topic, ps := range of.Topics {
		for _, p := range ps {
			if p.Error == nil {
				committed[tp{topic, p.Partition}] = p.CommittedOffset
			}
		}
	}
	for topic, ps := range lo.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return false, p.Error
			}
			k := tp{topic, p.Partition}
			pos, ok := committed[k]
			if !ok {
				pos = -1
			}
			if v, ok := s.seen[k]; ok {
				pos = max(pos, v)
			}
			if v, ok := s.resume[k]; ok {
				pos = max(pos, v)
			}
			if pos < 0 {
				if !s.st.earliest {
					continue // a new group starting at the end has nothing to read
				}
				pos = p.FirstOffset
			}
			if pos < p.LastOffset {
				return false, nil
			}
		}
	}
	return true, nil
}

// batchBuilder collects one batch.
type batchBuilder struct {
	// first is, per partition, the offset of the batch's first message
	// that was not already applied: the cdc loader checks that no other
	// consumer has stored an offset past it (see change.FencePrefix).
	first   map[tp]int64
	events  []change.Event
	msgs    map[msgAt]msgRef // the message of each event, by its Meta
	truncs  []string         // target tables to empty first (truncate: apply)
	rejects []xcetl.Reject
	count   int // events and rejects, against max
}

type msgAt struct {
	p      tp
	offset int64
}

type msgRef struct {
	raw    []string
	origin xcetl.Origin
}

// Next implements extract.Extractor. A batch is cut when it holds max
// events, when linger passed since its first message, or when the source
// drains or goes idle; a batch may hold no rows but checkpoints only (every
// message was a duplicate, a tombstone or a skipped DDL).
func (s *Source) Next(ctx context.Context, max int) (*xcetl.Batch, error) {
	if s.pendingErr != nil {
		err := s.pendingErr
		s.pendingErr = nil
		return nil, err
	}
	if s.draining.Load() {
		return nil, io.EOF
	}
	if s.reader == nil {
		if err := s.connect(ctx); err != nil {
			return nil, err
		}
	}
	var bb batchBuilder
	idleSince := time.Now()
	moved := map[tp]int64{} // partitions advanced by this batch → next offset
	var linger <-chan time.Time
	var lingerT *time.Timer
	defer func() {
		if lingerT != nil {
			lingerT.Stop()
		}
	}()
	var idleT *time.Timer
	defer func() {
		if idleT != nil {
			idleT.Stop()
		}
	}()
	for bb.count < max {
		var idleC <-chan time.Time
		if len(moved) == 0 {
			wait, end := s.idleWait(ctx, &idleSince)
			switch {
			case end:
				return nil, io.EOF
			case wait < 0:
				continue // quiet, but events are waiting: wait on
			case wait > 0:
				if idleT == nil {
					idleT = time.NewTimer(wait)
				} else {
					idleT.Reset(wait)
				}
				idleC = idleT.C
			}
		}
		var f fetched
		if s.held != nil {
			f.m, s.held = *s.held, nil
			stop, err := s.handle(&f.m, &bb, moved, true)
			if err != nil || stop {
				if err != nil {
					return nil, err
				}
				break
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-linger:
			return s.finish(&bb, moved)
		case <-idleC:
			continue // re-checked at the top
		case <-s.drainCh:
			// Hand out the batch in hand, then end; messages not taken yet
			// are not acknowledged and come again in the next run.
			if len(moved) > 0 || bb.count > 0 {
				return s.finish(&bb, moved)
			}
			return nil, io.EOF
		case f = <-s.msgs:
		}
		if f.err != nil {
			return nil, extract.Errorf("kafka", "read: %w", f.err)
		}
		s.joined = true
		if lingerT == nil {
			lingerT = time.NewTimer(s.st.linger)
			linger = lingerT.C
		}
		stop, err := s.handle(&f.m, &bb, moved, false)
		if err != nil {
			return nil, err
		}
		if stop {
			break
		}
	}
	return s.finish(&bb, moved)
}

// idleWait is --exit-when-idle's check before Next waits for a message:
// how long to wait before checking again (0: no idle limit; < 0: check again
// at once), or end: no event for the idle time and every partition read to
// its end. Idle is time spent waiting in Next with nothing arriving: while
// the engine was busy with earlier batches, messages queue up and that is
// no idleness.
func (s *Source) idleWait(ctx context.Context, idleSince *time.Time) (wait time.Duration, end bool) {
	d := time.Duration(s.idle.Load())
	if d <= 0 {
		return 0, false
	}
	wait = d - time.Since(*idleSince)
	if !s.joined {
		// The idle time counts from when the group gave this consumer
		// its partitions: joining waits for the members of a crashed run
		// to time out first.
		if s.reader.Stats().Rebalances == 0 && time.Since(s.opened) <= joinGrace {
			return 100 * time.Millisecond, false
		}
		s.joined = true
		*idleSince = time.Now()
		wait = d
	}
	if wait > 0 {
		return wait, false
	}
	done, err := s.caughtUp(ctx)
	if err != nil {
		s.log.Warn("no event for the idle time, and the brokers do not say whether more are waiting; ending the run", "exit_when_idle", d.String(), "error", err.Error())
		return 0, true
	}
	if done {
		s.log.Info("no event for the idle time and every partition read to its end; ending the run", "exit_when_idle", d.String())
		return 0, true
	}
	// Quiet, but events are waiting (the group is still rebalancing, or a
	// partition's reader restarts): wait on.
	*idleSince = time.Now()
	return -1, false
}

// handle takes one message into the batch. stop reports that the batch
// must end before this message (a DDL or truncate event that stops the run,
// or a truncate to apply first in the next batch). again is true for a held
// message handled a second time.
func (s *Source) handle(m *kafkago.Message, bb *batchBuilder, moved map[tp]int64, again bool) (stop bool, err error) {
	p := tp{m.Topic, m.Partition}
	if !again {
		s.messages.Add(1)
		s.lagMu.Lock()
		if m.HighWaterMark > 0 {
			s.lag[p] = max(m.HighWaterMark-m.Offset-1, 0)
		}
		s.lagMu.Unlock()
	}
	if dup, err := s.duplicate(m, p, moved); dup || err != nil {
		return false, err
	}
	msg := message{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Time: m.Time}
	d, derr := s.dec.decode(&msg)
	// The message as read: what a reject report shows for its rows.
	ref := msgRef{raw: []string{m.Topic, strconv.Itoa(m.Partition), strconv.FormatInt(m.Offset, 10), string(m.Key), string(m.Value)}, origin: originOf(p, m.Offset)}
	switch {
	case derr != nil:
		bb.rejects = append(bb.rejects, xcetl.Reject{Origin: ref.origin, Raw: ref.raw, Reason: derr.Error()})
		bb.count++
	case d.skip != skipNone:
		s.count(d.skip)
	case d.ddl != nil:
		if stop, err := s.ddl(&msg, d.ddl, bb, moved); stop || err != nil {
			return stop, err
		}
	case d.truncate != nil:
		if stop, err := s.truncate(m, &msg, *d.truncate, bb, moved); stop || err != nil {
			return stop, err
		}
	default:
		if err := s.checkSingle(&msg, d.events); err != nil {
			return false, err
		}
		if bb.msgs == nil {
			bb.msgs = map[msgAt]msgRef{}
		}
		bb.msgs[msgAt{p, m.Offset}] = ref
		for _, e := range d.events {
			e.Table = s.st.tableFor(m.Topic, e.Source)
			e.Meta.Topic, e.Meta.Partition, e.Meta.Offset = m.Topic, int32(m.Partition), m.Offset
			bb.events = append(bb.events, e)
			bb.count++
		}
		s.events.Add(int64(len(d.events)))
	}
	moved[p] = m.Offset + 1
	if _, ok := bb.first[p]; !ok {
		if bb.first == nil {
			bb.first = map[tp]int64{}
		}
		bb.first[p] = m.Offset
	}
	return false, nil
}

// duplicate reports a message the target (or an earlier batch of this run)
// already holds, and refuses a gap between the target's offsets and where
// the group continues.
func (s *Source) duplicate(m *kafkago.Message, p tp, moved map[tp]int64) (bool, error) {
	if next, ok := s.resume[p]; ok {
		if !s.checked[p] {
			s.checked[p] = true
			if m.Offset > next {
				// Past what the target held when the run started: a gap,
				// unless another consumer of the group applied the events
				// since. The loader tells, in the batch's transaction.
				s.gaps[p] = true
			}
		}
		if m.Offset < next {
			s.dups.Add(1)
			moved[p] = max(moved[p], next)
			return true, nil
		}
	}
	s.checked[p] = true
	// After a rebalance the group hands a partition back at its committed
	// offset, which may be behind what this run already took: those
	// messages are in earlier batches (committed, or failing the run).
	if m.Offset < max(s.seen[p], moved[p]) {
		s.dups.Add(1)
		return true, nil
	}
	return false, nil
}

// count counts a message without a change.
func (s *Source) count(k skip) {
	switch k {
	case skipTombstone:
		s.tombstones.Add(1)
	case skipTransaction:
		s.transactions.Add(1)
	case skipHeartbeat:
		s.heartbeats.Add(1)
	default:
		s.ignored.Add(1)
	}
}

// stopAt ends the batch at an event that stops the run: at once when the
// batch holds nothing, else after the batch (everything before is applied).
func (s *Source) stopAt(err error, bb *batchBuilder, moved map[tp]int64) (bool, error) {
	if bb.count == 0 && len(moved) == 0 && len(bb.truncs) == 0 {
		return true, err
	}
	s.pendingErr = err
	return true, nil
}

// ddl handles a DDL event (ddl: stop | log | skip).
func (s *Source) ddl(msg *message, d *ddlEvent, bb *batchBuilder, moved map[tp]int64) (bool, error) {
	s.ddls.Add(1)
	stmt := d.SQL
	if len(stmt) > 500 {
		stmt = stmt[:500] + "…"
	}
	switch s.st.ddl {
	case "stop":
		return s.stopAt(extract.Errorf("kafka", "DDL event for table %s%s (%s): %s — xcetl never applies DDL: change the target table yourself, then run once with ddl: skip (or ddl: log) to go past this event; everything before it was applied", d.Table, s.targetNote(msg.Topic, d.Table), msg.where(), stmt), bb, moved)
	case "log":
		s.log.Warn("DDL event skipped (ddl: log): apply it to the target yourself if needed", "table", d.Table, "where", msg.where(), "statement", stmt)
	}
	return false, nil
}

// truncate handles a truncate event (truncate: stop | apply | skip). To
// apply it, it must open its batch: the target empties the table before
// the batch's rows, so a batch holding changes ends before it, and the
// message is held for the next.
func (s *Source) truncate(m *kafkago.Message, msg *message, source string, bb *batchBuilder, moved map[tp]int64) (bool, error) {
	target := s.st.tableFor(msg.Topic, source)
	switch s.st.truncate {
	case "stop":
		s.truncates.Add(1)
		return s.stopAt(extract.Errorf("kafka", "truncate event for table %s%s (%s): every row of the source table was deleted; to empty the target table too, run once with truncate: apply (or go past it with truncate: skip); everything before it was applied", orTopic(source, msg.Topic), s.targetNote(msg.Topic, source), msg.where()), bb, moved)
	case "skip":
		s.truncates.Add(1)
		s.log.Warn("truncate event skipped (truncate: skip): the target table keeps its rows", "source_table", orTopic(source, msg.Topic), "target_table", s.targetName(target), "where", msg.where())
		return false, nil
	}
	if len(bb.events) > 0 || len(bb.rejects) > 0 {
		held := *m
		s.held = &held
		return true, nil
	}
	s.truncates.Add(1)
	bb.truncs = append(bb.truncs, target)
	return false, nil
}

// targetNote names the target table of a source table for messages.
func (s *Source) targetNote(topic, source string) string {
	return " (target table " + s.targetName(s.st.tableFor(topic, source)) + ")"
}

func (s *Source) targetName(label string) string {
	if label == "" {
		return "target.table"
	}
	return label
}

func orTopic(source, topic string) string {
	if source == "" {
		return "of topic " + topic
	}
	return source
}

// checkSingle refuses a single-table Canal topic that turns out to carry
// two tables.
func (s *Source) checkSingle(msg *message, events []change.Event) error {
	if !s.st.single || s.st.format != "canal" || len(events) == 0 {
		return nil
	}
	if s.single == "" {
		s.single = events[0].Source
		return nil
	}
	if src := events[0].Source; src != s.single {
		return extract.Errorf("kafka", "%s: topic %s carries changes of %s and of %s, but the pipeline maps it to one table; add table_map (e.g. table_map: {%q: %s}) so that each table goes to its own target table",
			msg.where(), msg.Topic, s.single, src, src, lastPart(src))
	}
	return nil
}

// originOf names a message for reject reports and errors:
// "kafka:<topic>/<partition>@<offset>".
func originOf(p tp, offset int64) xcetl.Origin {
	return xcetl.Origin{File: "kafka:" + p.topic + "/" + strconv.Itoa(p.partition) + "@" + strconv.FormatInt(offset, 10)}
}

func lastPart(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// finish turns the collected events into a batch: one row per event, the
// view of change.View.
func (s *Source) finish(bb *batchBuilder, moved map[tp]int64) (*xcetl.Batch, error) {
	if len(moved) == 0 && bb.count == 0 && len(bb.truncs) == 0 {
		return nil, io.EOF
	}
	events, n := change.Collapse(bb.events)
	s.collapsed.Add(int64(n))
	b := &xcetl.Batch{
		Schema:    s.view.Schema(),
		Rows:      make([][]any, 0, len(events)),
		Records:   make([]any, 0, len(events)),
		Ops:       make([]xcetl.Op, 0, len(events)),
		Origin:    make([]xcetl.Origin, 0, len(events)),
		Raw:       make([][]string, 0, len(events)),
		RawHeader: rawHeader,
		Rejects:   bb.rejects,
	}
	for i := range events {
		e := &events[i]
		ref := bb.msgs[msgAt{tp{e.Meta.Topic, int(e.Meta.Partition)}, e.Meta.Offset}]
		s.view.Append(b, e, ref.origin, ref.raw)
	}
	for _, t := range bb.truncs {
		b.Checkpoints = append(b.Checkpoints, xcetl.Checkpoint{Key: change.TruncatePrefix + t})
	}
	// Checkpoints: every partition this batch moved. Last: every partition
	// seen in the run, so that acknowledging any batch commits them all.
	keys := make([]tp, 0, len(moved))
	for p, next := range moved {
		keys = append(keys, p)
		s.seen[p] = next
	}
	slices.SortFunc(keys, func(a, b tp) int { return strings.Compare(a.key(), b.key()) })
	for _, p := range keys {
		if first, ok := bb.first[p]; ok {
			v := []byte(strconv.FormatInt(first, 10))
			if s.gaps[p] {
				delete(s.gaps, p)
				b.Checkpoints = append(b.Checkpoints, xcetl.Checkpoint{Key: change.GapPrefix + p.key(), Value: v})
			}
			b.Checkpoints = append(b.Checkpoints, xcetl.Checkpoint{Key: change.FencePrefix + p.key(), Value: v})
		}
		b.Checkpoints = append(b.Checkpoints, xcetl.Checkpoint{Key: p.key(), Value: []byte(strconv.FormatInt(moved[p], 10))})
	}
	b.Last = s.position()
	return b, nil
}

// position encodes every partition's next offset: "topic\x00partition\x00next\n"….
func (s *Source) position() xcetl.Position {
	var out []byte
	for p, next := range s.seen {
		out = append(out, p.topic...)
		out = append(out, 0)
		out = strconv.AppendInt(out, int64(p.partition), 10)
		out = append(out, 0)
		out = strconv.AppendInt(out, next, 10)
		out = append(out, '\n')
	}
	return out
}

// Ack implements extract.Acker: the target committed everything up to pos,
// so the consumer group's offsets may move there. A failed commit is only
// logged: the target holds the truth, and the next run skips what Kafka
// redelivers.
func (s *Source) Ack(ctx context.Context, pos xcetl.Position) error {
	if s.reader == nil || len(pos) == 0 {
		return nil
	}
	var msgs []kafkago.Message
	for _, line := range strings.Split(strings.TrimSuffix(string(pos), "\n"), "\n") {
		parts := strings.Split(line, "\x00")
		if len(parts) != 3 {
			return fmt.Errorf("kafka source: bad position %q", line)
		}
		p, err1 := strconv.Atoi(parts[1])
		next, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("kafka source: bad position %q", line)
		}
		// CommitMessages commits the message's offset + 1.
		msgs = append(msgs, kafkago.Message{Topic: parts[0], Partition: p, Offset: next - 1})
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := s.reader.CommitMessages(cctx, msgs...); err != nil {
		s.commitErrs.Add(1)
		s.log.Warn("committing offsets to the consumer group failed; the target keeps them, so nothing is lost", "group", s.st.group, "error", err.Error())
	}
	return nil
}

// Close implements extract.Extractor: it leaves the consumer group.
func (s *Source) Close() error {
	if s.reader == nil {
		return nil
	}
	s.stop()
	err := s.reader.Close()
	s.pumpWG.Wait()
	s.reader = nil
	if err != nil {
		return extract.Errorf("kafka", "close: %w", err)
	}
	return nil
}

// Stats implements xcetl.Statser.
func (s *Source) Stats() []xcetl.Stat {
	s.lagMu.Lock()
	var lag int64
	for _, l := range s.lag {
		lag += l
	}
	s.lagMu.Unlock()
	return []xcetl.Stat{
		{Name: "kafka_messages", Help: "Kafka messages read", Kind: xcetl.Counter, Value: float64(s.messages.Load())},
		{Name: "cdc_events", Help: "change events decoded from the messages", Kind: xcetl.Counter, Value: float64(s.events.Load())},
		{Name: "cdc_duplicates_skipped", Help: "messages skipped because the target had already applied their offset", Kind: xcetl.Counter, Value: float64(s.dups.Load())},
		{Name: "cdc_events_collapsed", Help: "events superseded by a later event of the same key in the same batch", Kind: xcetl.Counter, Value: float64(s.collapsed.Load())},
		{Name: "cdc_tombstones", Help: "Debezium tombstones skipped (nothing to apply)", Kind: xcetl.Counter, Value: float64(s.tombstones.Load())},
		{Name: "cdc_transaction_markers", Help: "Debezium transaction metadata messages (BEGIN/END) skipped", Kind: xcetl.Counter, Value: float64(s.transactions.Load())},
		{Name: "cdc_heartbeats", Help: "Debezium heartbeat messages skipped", Kind: xcetl.Counter, Value: float64(s.heartbeats.Load())},
		{Name: "cdc_ddl_events", Help: "DDL events seen (never applied)", Kind: xcetl.Counter, Value: float64(s.ddls.Load())},
		{Name: "cdc_truncate_events", Help: "truncate events seen (applied with truncate: apply)", Kind: xcetl.Counter, Value: float64(s.truncates.Load())},
		{Name: "kafka_consumer_lag", Help: "messages in the assigned partitions not read yet", Kind: xcetl.Gauge, Value: float64(lag)},
		{Name: "kafka_commit_errors", Help: "failed commits of offsets to the consumer group (the target keeps them anyway)", Kind: xcetl.Counter, Value: float64(s.commitErrs.Load())},
	}
}
