package kafka

import (
	"context"
	"io"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

var _ extract.Replayer = (*Source)(nil)

// Replay implements extract.Replayer: the messages are decoded, mapped to
// tables and batched exactly as those read from the brokers.
func (s *Source) Replay(msgs []extract.Message) (extract.Extractor, error) {
	return &replay{s: s, msgs: msgs, offsets: map[tp]int64{}}, nil
}

// replay is a Source reading given messages.
type replay struct {
	s       *Source
	msgs    []extract.Message
	next    int
	offsets map[tp]int64
}

func (r *replay) Open(ctx context.Context) (*xcetl.Schema, error) { return r.s.Open(ctx) }

func (r *replay) Next(ctx context.Context, max int) (*xcetl.Batch, error) {
	if err := r.s.pendingErr; err != nil {
		r.s.pendingErr = nil
		return nil, err
	}
	var bb batchBuilder
	moved := map[tp]int64{}
	for r.next < len(r.msgs) && bb.count < max {
		m := r.msgs[r.next]
		p := tp{m.Topic, m.Partition}
		km := kafkago.Message{Topic: m.Topic, Partition: m.Partition, Offset: r.offsets[p], Key: m.Key, Value: m.Value}
		r.offsets[p]++
		r.next++
		stop, err := r.s.handle(&km, &bb, moved, false)
		if err != nil {
			return nil, err
		}
		if stop {
			break
		}
	}
	if len(moved) == 0 && bb.count == 0 {
		return nil, io.EOF
	}
	return r.s.finish(&bb, moved)
}

func (r *replay) Close() error { return nil }
