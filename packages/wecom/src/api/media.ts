import { ApiArea } from './api-area.ts';
import type {
  MediaFile,
  MediaType,
  MediaUploadResponse,
  UploadAttachmentOptions,
  UploadAttachmentResponse,
  UploadImageResponse,
} from '../types.ts';

/** Temporary media (3 days) and permanent images (API-FACTS §9); multipart field `media`. */
export class MediaApi extends ApiArea {
  /** media/upload: a media_id valid for three days; created_at is a string. */
  upload(type: MediaType, file: MediaFile): Promise<MediaUploadResponse> {
    return this.requester.request('media/upload', { method: 'POST', query: { type }, file, mutating: true });
  }

  /** media/uploadimg: a permanent image URL (quota: 1,000 a day, 3,000 a month per corp). */
  uploadImage(file: MediaFile): Promise<UploadImageResponse> {
    return this.requester.request('media/uploadimg', { method: 'POST', file, mutating: true });
  }

  /**
   * media/upload_attachment: media for moments (attachment_type 1: image or video) and product albums (2);
   * media/upload's ids are refused by add_moment_task. Valid 3 days; created_at is an integer here.
   */
  uploadAttachment(file: MediaFile, options: UploadAttachmentOptions): Promise<UploadAttachmentResponse> {
    return this.requester.request('media/upload_attachment', {
      method: 'POST',
      query: { media_type: options.media_type, attachment_type: options.attachment_type },
      file,
      mutating: true,
    });
  }
}
