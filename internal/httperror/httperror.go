// Package httperror answers the plain HTTP routes (downloads, exports) with
// the API's error shape: {"errors": [{"message", "extensions": {"code"}}]}.
package httperror

import (
	"encoding/json"
	"errors"
	"net/http"

	"communs"
)

var statuses = map[string]int{
	communs.EINVALID:         http.StatusBadRequest,
	communs.EUNAUTHENTICATED: http.StatusUnauthorized,
	communs.EFORBIDDEN:       http.StatusForbidden,
	communs.ENOTFOUND:        http.StatusNotFound,
	communs.ECONFLICT:        http.StatusConflict,
}

// Write answers err. A *communs.Error of a known code is told as it is;
// anything else is an internal error whose text is not told (the caller
// logs it).
func Write(w http.ResponseWriter, err error) {
	code, message, status := communs.EINTERNAL, "internal error", http.StatusInternalServerError
	var e *communs.Error
	if errors.As(err, &e) && statuses[e.Code] != 0 {
		code, message, status = e.Code, e.Message, statuses[e.Code]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"message": message, "extensions": map[string]any{"code": code}}},
	})
}
