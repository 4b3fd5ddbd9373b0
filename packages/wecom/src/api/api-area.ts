import type { WecomRequester } from '../requester.ts';

/** Base of the API areas (`client.contacts`, `client.corpTags`, …): each call goes through the client. */
export abstract class ApiArea {
  protected readonly requester: WecomRequester;

  constructor(requester: WecomRequester) {
    this.requester = requester;
  }
}
