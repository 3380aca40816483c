// Wires the parts of the page together; each part lives in its own module.
import './style.css';
import { setupAuth } from './auth.js';
import { setupPlayer } from './player.js';
import { setupUpload } from './upload.js';
import { setupVideos } from './videos.js';

const player = setupPlayer();
const videos = setupVideos({ onOpen: player.open, onDeleted: player.closeIf });
const upload = setupUpload({
  // The new video is the newest, so it heads the reloaded first page.
  onUploaded: async (video) => {
    await videos.load(video.author);
    player.open(video);
  },
});

setupAuth({
  onSignIn: (userName) => void videos.load(userName),
  onSignOut: () => {
    upload.abort();
    player.close();
    videos.reset();
  },
});
