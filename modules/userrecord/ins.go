package userrecord

import (
	"errors"
	"strconv"
	"strings"
)

// NormalizeINS checks a national health identifier (INS) and returns it
// as 15 characters without spaces. The INS of a person is their NIR (the
// social security number) or, for a person not registered, a NIA; both
// are 13 characters and a 2-digit key: 97 − (the 13 characters as a number
// mod 97), Corsica's departments 2A and 2B counting as 19 and 18.
func NormalizeINS(s string) (string, error) {
	ins := strings.ToUpper(strings.NewReplacer(" ", "", ".", "", "-", "").Replace(s))
	if len(ins) != 15 {
		return "", errors.New("an INS has 15 characters: 13 and a 2-digit key")
	}
	body, key := ins[:13], ins[13:]
	if !strings.ContainsRune("123478", rune(body[0])) {
		return "", errors.New("an INS starts with 1, 2, 3, 4, 7 or 8")
	}
	numeric := body
	switch body[5:7] {
	case "2A":
		numeric = body[:5] + "19" + body[7:]
	case "2B":
		numeric = body[:5] + "18" + body[7:]
	}
	n, err := strconv.ParseUint(numeric, 10, 64)
	if err != nil {
		return "", errors.New("an INS is made of digits (2A or 2B for Corsica)")
	}
	if key[0] < '0' || key[0] > '9' || key[1] < '0' || key[1] > '9' {
		return "", errors.New("the INS key is 2 digits")
	}
	if k, _ := strconv.Atoi(key); k != int(97-n%97) {
		return "", errors.New("the INS key does not match: check the number")
	}
	return ins, nil
}
