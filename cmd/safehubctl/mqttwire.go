package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Just enough MQTT 3.1.1 for provision --check: CONNECT, SUBSCRIBE and a
// QoS 1 PUBLISH, each answer read and its return code kept, so a refusal
// is reported exactly (paho folds them into generic errors).

// MQTT 3.1.1 packet types (upper nibble of the first byte).
const (
	pktConnect   = 1
	pktConnack   = 2
	pktPublish   = 3
	pktPuback    = 4
	pktSubscribe = 8
	pktSuback    = 9
)

// connackReasons are the CONNACK return codes of MQTT 3.1.1.
var connackReasons = map[byte]string{
	1: "unacceptable protocol version",
	2: "client identifier rejected",
	3: "server unavailable",
	4: "bad user name or password",
	5: "not authorised",
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func packet(typeFlags byte, body []byte) []byte {
	out := []byte{typeFlags}
	n := len(body)
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		out = append(out, d)
		if n == 0 {
			break
		}
	}
	return append(out, body...)
}

func connectPacket(clientID, user, pass string, keepalive uint16) []byte {
	flags := byte(0x02) // clean session: the check leaves nothing behind
	if user != "" {
		flags |= 0x80
	}
	if pass != "" {
		flags |= 0x40
	}
	b := appendString(nil, "MQTT")
	b = append(b, 4, flags)
	b = binary.BigEndian.AppendUint16(b, keepalive)
	b = appendString(b, clientID)
	if user != "" {
		b = appendString(b, user)
	}
	if pass != "" {
		b = appendString(b, pass)
	}
	return packet(pktConnect<<4, b)
}

func subscribePacket(id uint16, topic string, qos byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = appendString(b, topic)
	return packet(pktSubscribe<<4|0x02, append(b, qos))
}

func publishPacket(id uint16, topic string, payload []byte) []byte {
	b := appendString(nil, topic)
	b = binary.BigEndian.AppendUint16(b, id)
	return packet(pktPublish<<4|0x02, append(b, payload...)) // QoS 1
}

// readPacket reads one packet: its type and body.
func readPacket(r *bufio.Reader) (byte, []byte, error) {
	h, err := r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, mult := 0, 1
	for i := 0; ; i++ {
		d, err := r.ReadByte()
		if err != nil {
			return 0, nil, err
		}
		n += int(d&0x7f) * mult
		if d&0x80 == 0 {
			break
		}
		if mult *= 128; i == 3 {
			return 0, nil, errors.New("malformed packet length")
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return h >> 4, body, nil
}

// expect reads packets until one of type want (a broker may send a
// retained PUBLISH in between).
func expect(r *bufio.Reader, want byte) ([]byte, error) {
	for {
		t, body, err := readPacket(r)
		if err != nil {
			return nil, err
		}
		if t == want {
			return body, nil
		}
		if t != pktPublish {
			return nil, fmt.Errorf("unexpected packet type %d", t)
		}
	}
}
