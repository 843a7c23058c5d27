package change_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/change"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

// runTransforms binds and applies the transforms of a YAML list to b, as
// the engine does (Apply, then Compact).
func runTransforms(t *testing.T, yaml string, b *xcetl.Batch) {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	schema := b.Schema
	var ts []transform.Transform
	for _, item := range root.Items {
		tr, err := transform.New(item, transform.Env{})
		if err != nil {
			t.Fatal(err)
		}
		if schema, err = tr.Bind(schema); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tr)
	}
	for _, tr := range ts {
		if err := tr.Apply(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		b.Compact()
	}
}

func field(t *testing.T, im change.Image, name string) any {
	t.Helper()
	f, ok := im.Get(name)
	if !ok {
		return "<absent>"
	}
	return f.Value
}

// TestViewTransforms: the transforms a pipeline lists apply to the exposed
// fields of the events' images by name — mask, SM4 encryption, cast,
// rename, filter and validate's rejects — and Events writes the results
// back, drops the filtered and rejected events, and leaves the fields that
// are not exposed alone.
func TestViewTransforms(t *testing.T) {
	view := change.NewView([]string{"phone", "amount", "city", "nick"}, 4)
	b := &xcetl.Batch{Schema: view.Schema()}
	born := time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)
	mk := func(op change.Op, id int64, phone, amount, city string) *change.Event {
		img := change.Image{{Name: "id", Value: id, Kind: xcetl.KindInt}, {Name: "phone", Value: phone}, {Name: "amount", Value: amount},
			{Name: "city", Value: city}, {Name: "born", Value: born, Kind: xcetl.KindDate}}
		e := &change.Event{Op: op, Key: []change.Field{{Name: "id", Value: id}}, Meta: change.Meta{Offset: id}}
		if op == change.Delete {
			e.Before = img
		} else {
			e.After = img
		}
		return e
	}
	upd := mk(change.Update, 2, "13987654321", "7.5", "津")
	upd.Before = change.Image{{Name: "id", Value: int64(2)}, {Name: "phone", Value: "13812345678"}, {Name: "city", Value: "津"}}
	for _, e := range []*change.Event{
		mk(change.Create, 1, "13812345678", "12.50", "津"),
		upd,
		mk(change.Create, 3, "13700000000", "1", "京"), // filtered out
		mk(change.Create, 4, "13600000000", "x", "津"), // rejected by the cast
		mk(change.Delete, 5, "13500000000", "0", "津"), // a delete's image is its before image
	} {
		view.Append(b, e, xcetl.Origin{File: "kafka:t/0@1"}, []string{"t", "0", "1", "", ""})
	}
	runTransforms(t, `
- filter: city == "津"
- mask: {phone: mobile}
- encrypt: {fields: [nick], key: "0123456789abcdeffedcba9876543210", mode: ecb}
- cast: {amount: "decimal(10,2)"}
- rename: {city: 城市}
`, b)
	if b.Filtered != 1 || len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, "amount") {
		t.Fatalf("filtered %d, rejects %+v", b.Filtered, b.Rejects)
	}
	events, err := change.Events(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events, want 3 (one filtered, one rejected)", len(events))
	}
	e1, e2, e5 := events[0].Image(), events[1].Image(), events[2].Image()
	for _, c := range []struct {
		im         change.Image
		name, want string
	}{
		{e1, "phone", "138****5678"}, {e2, "phone", "139****4321"}, {e5, "phone", "135****0000"},
		{e1, "amount", "12.50"}, {e2, "amount", "7.50"},
		{e1, "城市", "津"}, {e1, "city", "<absent>"}, // renamed
		{e1, "nick", "<absent>"},                             // exposed, but not in the image: stays absent
		{e1, "id", "1"}, {e1, "born", "1990-05-01 00:00:00"}, // not exposed: untouched
	} {
		v := field(t, c.im, c.name)
		if got := xcetl.FormatValue(v, xcetl.KindOf(v)); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
	if f, _ := e1.Get("amount"); f.Kind != xcetl.KindDecimal {
		t.Errorf("cast amount has kind %s, want decimal", f.Kind)
	}
	if f, _ := e1.Get("id"); f.Kind != xcetl.KindInt {
		t.Errorf("an untouched field lost its kind: %s", f.Kind)
	}
	// The update's before image: the exposed fields are gone (the
	// transforms never saw them), the rest stays.
	if _, ok := events[1].Before.Get("phone"); ok {
		t.Error("the update's before image keeps the unmasked phone")
	}
	if _, ok := events[1].Before.Get("id"); !ok {
		t.Error("the update's before image lost its key")
	}
}

// TestViewUntouchedKeepsTypes: a column no transform changed writes back
// the field's own typed value, not the text the view showed.
func TestViewUntouchedKeepsTypes(t *testing.T) {
	view := change.NewView([]string{"amount", "raw"}, 4)
	b := &xcetl.Batch{Schema: view.Schema()}
	e := &change.Event{Op: change.Create, Key: []change.Field{{Name: "id", Value: int64(1)}},
		After: change.Image{{Name: "id", Value: int64(1)}, {Name: "amount", Value: xcetl.Decimal("1.50"), Kind: xcetl.KindDecimal},
			{Name: "raw", Value: []byte{0, 1, 0xff}, Kind: xcetl.KindBytes}}}
	view.Append(b, e, xcetl.Origin{}, nil)
	events, err := change.Events(b)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := events[0].After.Get("raw"); string(f.Value.([]byte)) != "\x00\x01\xff" || f.Kind != xcetl.KindBytes {
		t.Errorf("raw = %#v", f)
	}
	if f, _ := events[0].After.Get("amount"); f.Value != xcetl.Decimal("1.50") {
		t.Errorf("amount = %#v", f)
	}
}
