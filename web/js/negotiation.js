// The W3C "perfect negotiation" pattern (webrtc-pc §10.7), fenced off from everything else:
// given an RTCPeerConnection and a send(message) function it makes offers when the connection
// needs them and answers the remote side's, so both sides may change tracks at any time
// without wedging. On an offer collision the impolite side ignores the remote offer; the polite
// side rolls its own back and answers. Knows nothing of WebSocket, data channels or the DOM.
//
// Messages in and out are { description } or { candidate } (candidate null = end of candidates).

export class Negotiator {
  makingOffer = false;
  ignoreOffer = false;
  isSettingRemoteAnswerPending = false;
  /** Counters for tests and the debug hook. */
  stats = {
    offersSent: 0,
    answersSent: 0,
    offersReceived: 0,
    offersIgnored: 0,
    answersReceived: 0,
  };

  #pc;
  #polite;
  #send;
  #onError;
  #beforeAnswer;
  // Remote candidates that came before any remote description (addIceCandidate would throw).
  #earlyCandidates = [];
  // Incoming messages are handled one at a time, in arrival order.
  #chain = Promise.resolve();
  #closed = false;

  /**
   * @param pc RTCPeerConnection (or anything with its negotiation API)
   * @param send function(message) delivering { description } / { candidate } to the peer
   * @param polite true: on collision, yield to the remote offer; or a function asked whenever a
   *        remote description arrives, for a side whose role is decided elsewhere (call.js)
   * @param beforeAnswer optional async function(offer) run after the remote offer is applied and
   *        before answering: where a callee adds its tracks so they reuse the offered m-lines
   * @param onError function(err) for failures (they never throw out of event handlers)
   */
  constructor({ pc, send, polite, beforeAnswer = null, onError = (err) => console.error(err) }) {
    this.#pc = pc;
    this.#send = send;
    this.#polite = polite;
    this.#beforeAnswer = beforeAnswer;
    this.#onError = onError;
    pc.addEventListener('negotiationneeded', this.#onNegotiationNeeded);
    pc.addEventListener('icecandidate', this.#onIceCandidate);
  }

  /** This side's role right now. */
  get polite() {
    return typeof this.#polite === 'function' ? Boolean(this.#polite()) : this.#polite;
  }

  /** Handles one message from the peer; resolves when it is applied (or ignored). */
  receive(message) {
    const step = this.#chain
      .then(() => this.#handle(message))
      .catch((err) => {
        // A failed step is reported and must not stop the messages queued after it.
        this.#onError(err);
        return 'error';
      });
    this.#chain = step;
    return step;
  }

  close() {
    this.#closed = true;
    this.#pc.removeEventListener('negotiationneeded', this.#onNegotiationNeeded);
    this.#pc.removeEventListener('icecandidate', this.#onIceCandidate);
  }

  #onNegotiationNeeded = async () => {
    if (this.#closed) return;
    try {
      this.makingOffer = true;
      // Implicit createOffer: the browser picks offer (or answer, if an offer arrived meanwhile).
      await this.#pc.setLocalDescription();
      const description = this.#pc.localDescription;
      if (description.type === 'offer') this.stats.offersSent += 1;
      this.#send({ description });
    } catch (err) {
      this.#onError(err);
    } finally {
      this.makingOffer = false;
    }
  };

  #onIceCandidate = ({ candidate }) => {
    if (!this.#closed) this.#send({ candidate });
  };

  async #handle({ description, candidate }) {
    if (this.#closed) return 'closed';
    const pc = this.#pc;
    if (description) {
      const isOffer = description.type === 'offer';
      if (isOffer) this.stats.offersReceived += 1;
      else this.stats.answersReceived += 1;
      // An answer we are still applying means we are about to be stable: not a collision.
      const readyForOffer =
        !this.makingOffer && (pc.signalingState === 'stable' || this.isSettingRemoteAnswerPending);
      const offerCollision = isOffer && !readyForOffer;
      this.ignoreOffer = !this.polite && offerCollision;
      if (this.ignoreOffer) {
        this.stats.offersIgnored += 1;
        return 'ignored';
      }
      this.isSettingRemoteAnswerPending = description.type === 'answer';
      try {
        await pc.setRemoteDescription(description); // rolls our offer back if we collided
      } finally {
        this.isSettingRemoteAnswerPending = false;
      }
      await this.#applyEarlyCandidates();
      if (isOffer) {
        if (this.#beforeAnswer) await this.#beforeAnswer(description);
        await pc.setLocalDescription();
        this.stats.answersSent += 1;
        this.#send({ description: pc.localDescription });
      }
      return description.type;
    }
    if (candidate !== undefined) {
      if (!pc.remoteDescription) {
        this.#earlyCandidates.push(candidate);
        return 'queued';
      }
      await this.#addCandidate(candidate);
      return 'candidate';
    }
    return 'unknown';
  }

  async #applyEarlyCandidates() {
    for (const candidate of this.#earlyCandidates.splice(0)) await this.#addCandidate(candidate);
  }

  async #addCandidate(candidate) {
    try {
      await this.#pc.addIceCandidate(candidate ?? undefined);
    } catch (err) {
      // Candidates for an offer we ignored fail by design; anything else is worth reporting.
      if (!this.ignoreOffer) this.#onError(err);
    }
  }
}
