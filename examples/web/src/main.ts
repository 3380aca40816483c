// Wires the parts of the page together; each part lives in its own module.
import './style.css';
import { setupAuth } from './auth.js';
import { setupPlayer } from './player.js';
import { setupUpload } from './upload.js';
import { setupVideos } from './videos.js';

const player = setupPlayer();
const upload = setupUpload({
  // The new video is the newest, so it heads the reloaded first page.
  onUploaded: async (video) => {
    await videos.load(video.author);
    player.open(video);
  },
  // A video whose upload stopped is kept, pending, with its "Continue upload" in the list (put
  // there as it is: the network may well be down).
  onKept: (video) => videos.put(video),
});
const videos = setupVideos({
  onOpen: player.open,
  onDeleted: (vid) => {
    player.closeIf(vid);
    upload.forget(vid);
  },
  onContinue: upload.continueWith,
});

setupAuth({
  onSignIn: (userName) => void videos.load(userName),
  onSignOut: () => {
    upload.abort();
    upload.reset();
    player.close();
    videos.reset();
  },
});
