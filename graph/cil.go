package graph

import "encoding/json"

// jsonText writes a revision's value as JSON text; nil when absent.
func jsonText(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	text := string(raw)
	return &text, nil
}
