import type { CommentBody, VideoBody } from '@vodkit/contract';
import type { CommentView, VideoView } from '../store/types.js';

export const presentVideo = (video: VideoView, streamBaseUrl: string): VideoBody => ({
  id: video.id,
  author: video.authorName,
  name: video.name,
  status: video.status,
  size: video.size,
  content_type: video.contentType,
  created_at: video.createdAt.toISOString(),
  stream_url: `${streamBaseUrl}/stream/videos/${video.id}`,
});

export const presentComment = (comment: CommentView): CommentBody => ({
  id: comment.id,
  video_id: comment.videoId,
  author: comment.authorName,
  content: comment.content,
  created_at: comment.createdAt.toISOString(),
});
