"""Write assets/sounds/alert.wav: the short two-note chime a new alert plays (bundled, no CDN).

Recipe: 16 kHz, 16-bit mono; two notes (A5 880 Hz then E5 659 Hz), 0.28 s each, with
their octave at a third of the amplitude, a 10 ms attack and an exponential decay;
peak at 60 % of full scale so it is clear without being harsh. Deterministic: running
it again writes the same bytes. `python scripts/make_alert_sound.py`
"""
from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 16_000
NOTES = ((880.0, 0.28), (659.25, 0.28))
ATTACK = 0.010
DECAY = 9.0
PEAK = 0.6
TARGET = Path(__file__).resolve().parents[1] / "assets" / "sounds" / "alert.wav"


def note(frequency: float, seconds: float) -> list[float]:
    """One note with its octave, shaped by a short attack and an exponential decay."""
    samples = []
    for i in range(int(RATE * seconds)):
        t = i / RATE
        envelope = min(1.0, t / ATTACK) * math.exp(-DECAY * t)
        tone = math.sin(2 * math.pi * frequency * t) + math.sin(4 * math.pi * frequency * t) / 3
        samples.append(envelope * tone * 0.75)
    return samples


def chime() -> bytes:
    """The 16-bit little-endian frames of the whole chime."""
    samples = [s for frequency, seconds in NOTES for s in note(frequency, seconds)]
    return b"".join(struct.pack("<h", int(round(max(-1.0, min(1.0, s)) * PEAK * 32767))) for s in samples)


def main() -> None:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(TARGET), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(chime())
    print(f"{TARGET.name}: {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main()
