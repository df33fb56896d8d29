// Package event holds the words that the home box and the center share:
// what happened (Kind), how urgent it is (Severity), the Event that carries
// it, the kinds of sensor a home can have (SensorKind) and a sensor's Health.
//
// It sits at the bottom of the house: the box (gateway, rules, drivers,
// cloudlink), the wire protocol and the center all import it, and it imports
// none of them. Each of these words is defined here and nowhere else.
package event
