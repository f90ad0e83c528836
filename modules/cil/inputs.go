package cil

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"communs"
	"communs/ent"
)

// The update inputs entgql v0.7.0 generates append the list being set
// instead of the one given (m.AppendRetention(i.Retention)): their
// append… fields would be silently ignored. appendLists applies them from
// the input itself, on top of the list set in the same input or of the
// record's current one.
func appendLists(ctx context.Context, m ent.Mutation, input any) error {
	v := reflect.ValueOf(input)
	for i := range v.NumField() {
		name, ok := strings.CutPrefix(v.Type().Field(i).Name, "Append")
		added, isList := v.Field(i).Interface().([]string)
		if !ok || !isList || added == nil {
			continue
		}
		column := columnName(name)
		base, set := m.Field(column)
		if !set {
			var err error
			if base, err = m.OldField(ctx, column); err != nil {
				return err
			}
		}
		current, _ := base.([]string)
		if err := m.SetField(column, append(slices.Clone(current), added...)); err != nil {
			return err
		}
	}
	return nil
}

// touchedFields lists the columns an update input sets, clears, appends to
// or adds to, from its Go field names (Name, ClearName, AppendName,
// AddNameIDs, RemoveNameIDs).
func touchedFields(input any) []string {
	v := reflect.ValueOf(input)
	var out []string
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			continue
		}
		name := v.Type().Field(i).Name
		for _, prefix := range []string{"Clear", "Append", "Add", "Remove"} {
			name = strings.TrimPrefix(name, prefix)
		}
		name = strings.TrimSuffix(name, "IDs")
		if column := columnName(name); !slices.Contains(out, column) {
			out = append(out, column)
		}
	}
	return out
}

// refuseFields refuses an input that touches one of the columns.
func refuseFields(input any, columns []string, why string) error {
	for _, c := range touchedFields(input) {
		if slices.Contains(columns, c) {
			return communs.InvalidField(inputName(c), "%s", why)
		}
	}
	return nil
}

// columnName turns a Go field name into its column: DpiaCriteria →
// dpia_criteria.
func columnName(goName string) string {
	var b strings.Builder
	for i, r := range goName {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// inputName turns a column into the GraphQL input's field name:
// resource_codes → resourceCodes.
func inputName(column string) string {
	parts := strings.Split(column, "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}
